"""Benchmark: every endpoint as a share of the bare-Flask ceiling, measured in the same run.

    python -m bench.run --n 100000            # builds (or reuses) the data, then measures

Builds a database of N synthetic meetings through `meetings import`, serves it with
`meetings serve`, serves the ceiling app (bench/ceiling.py) with the same gunicorn settings,
drives each endpoint with wrk (loopback only, fixed concurrency, bounded in time), and writes
the table to bench/results.md.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from api.cli import default_workers

from .synthetic import write_ndjson

HERE = Path(__file__).resolve().parent
IMPORT_FILE_SIZE = 50_000  # meetings per import file: one transaction each

ENDPOINTS = [
    ("GET /v1/meetings/{id}", "/v1/meetings/{id}", {}, 0.75),
    ("GET /v1/meetings/{id} (304)", "/v1/meetings/{id}", {"If-None-Match": "{etag}"}, 0.85),
    ("GET /v1/meetings?country=JP&limit=20", "/v1/meetings?country=JP&limit=20", {}, 0.50),
    ("GET /v1/meetings?q={word}&limit=20", "/v1/meetings?q={word}&limit=20", {}, 0.30),
    (
        "GET /v1/meetings?country=JP&country=KR&from=2000-01-01&limit=20",
        "/v1/meetings?country=JP&country=KR&from=2000-01-01&limit=20",
        {},
        0.45,
    ),
]
SEARCH_WORD = "resilience"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def meetings_command() -> list[str]:
    script = Path(sys.executable).with_name("meetings")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def build(n: int, folder: Path) -> dict:
    """The database of n meetings, made once per n through `meetings import`."""
    stamp = folder / "built.json"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'meetings.db'}"}
    migrate = [*meetings_command(), "migrate"]
    if stamp.exists():
        # Kept from an earlier run: brought up to the schema this checkout serves.
        subprocess.run(migrate, env=env, check=True, stdout=subprocess.DEVNULL)
        return json.loads(stamp.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(migrate, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = 0.0
    for start in range(0, n, IMPORT_FILE_SIZE):
        part = folder / "part.ndjson"
        write_ndjson(part, min(IMPORT_FILE_SIZE, n - start), seed=1, first=start)
        began = time.perf_counter()
        subprocess.run(
            [*meetings_command(), "import", str(part)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds += time.perf_counter() - began
        part.unlink()
    built = {"n": n, "import_seconds": round(seconds, 2), "import_rate": round(n / seconds)}
    stamp.write_text(json.dumps(built))
    return built


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early: {process.args}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer {url}")


def start(command: list[str], env: dict, probe: str) -> subprocess.Popen:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until_up(probe, process)
    return process


def wrk(url: str, headers: dict, seconds: int, connections: int) -> dict:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rate,
        "requests": requests,
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": int(errors.group(1)) if errors else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def workers(master: int) -> list[str]:
    return Path(f"/proc/{master}/task/{master}/children").read_text().split()


def cpu_seconds(pids: list[str]) -> float:
    """User and system CPU time these processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def load(server: subprocess.Popen, url: str, headers: dict, args) -> dict:
    """wrk against one URL, with the CPU time the server's workers spent per request."""
    pids = workers(server.pid)
    before = cpu_seconds(pids)
    result = wrk(url, headers, args.seconds, args.concurrency)
    spent = cpu_seconds(pids) - before
    return {**result, "cpu_us": round(spent / max(result["requests"], 1) * 1e6)}


def worker_memory_mb(master: int) -> float:
    """The largest resident size among the gunicorn master's workers."""
    sizes = []
    for pid in workers(master):
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return round(max(sizes), 1) if sizes else 0.0


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory / 2**20:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def measure(args) -> dict:
    folder = Path(args.data) / f"n{args.n}"
    built = build(args.n, folder)
    # Rate limits off: the benchmark measures the API, not how soon it says 429.
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'meetings.db'}",
        "MEETINGS_READ_RATE_LIMIT": "off",
        "MEETINGS_WRITE_RATE_LIMIT": "off",
    }
    env.pop("MEETINGS_DATA_DIR", None)
    api_port, ceiling_port = free_port(), free_port()
    api = start(
        [*meetings_command(), "serve", "--port", str(api_port), "--workers", str(args.workers)],
        env,
        f"http://127.0.0.1:{api_port}/healthz",
    )
    ceiling = start(
        [
            sys.executable,
            "-m",
            "bench.ceiling",
            "--port",
            str(ceiling_port),
            "--workers",
            str(args.workers),
        ],
        env,
        f"http://127.0.0.1:{ceiling_port}/",
    )
    try:
        base = f"http://127.0.0.1:{api_port}"
        meeting_id = f"synthetic-{args.n // 2:07d}"
        with urllib.request.urlopen(f"{base}/v1/meetings/{meeting_id}") as response:
            etag = response.headers["ETag"]
        ceiling_url = f"http://127.0.0.1:{ceiling_port}/"
        ceiling_runs = [load(ceiling, ceiling_url, {}, args)]
        rows = []
        for name, path, headers, budget in ENDPOINTS:
            url = base + path.format(id=meeting_id, word=SEARCH_WORD)
            matches = None
            if "?" in path:
                with urllib.request.urlopen(url) as response:
                    matches = json.load(response)["meta"]["total"]
            result = load(api, url, {k: v.format(etag=etag) for k, v in headers.items()}, args)
            rows.append(
                {
                    "endpoint": name.replace("{word}", SEARCH_WORD),
                    "budget": budget,
                    "matches": matches,
                    **result,
                }
            )
        # The ceiling again at the end: each share is of the two runs' mean, so a machine
        # that slows or speeds up during the run does not favour the first or last rows.
        ceiling_runs.append(load(ceiling, ceiling_url, {}, args))
        memory = worker_memory_mb(api.pid)
    finally:
        for process in (api, ceiling):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    ceiling_run = {
        key: sum(run[key] for run in ceiling_runs) / len(ceiling_runs)
        for key in ("rps", "p50", "p99", "cpu_us")
    }
    ceiling_run["cpu_us"] = round(ceiling_run["cpu_us"])
    for row in rows:
        row["ratio"] = round(row["rps"] / ceiling_run["rps"], 2)
    return {
        "built": built,
        "ceiling": ceiling_run,
        "ceiling_runs": [round(run["rps"]) for run in ceiling_runs],
        "rows": rows,
        "worker_mb": memory,
    }


def table(args, result: dict) -> str:
    lines = [
        f"N = {args.n:,} meetings; concurrency {args.concurrency}; {args.seconds} s per "
        f"endpoint; {args.workers} gunicorn workers (gthread), SQLite.",
        f"Machine: {machine()}.",
        f"Command: `python -m bench.run --n {args.n} --seconds {args.seconds} "
        f"--concurrency {args.concurrency}`",
        "",
        "| endpoint | matches | requests/s | p50 ms | p99 ms | worker CPU µs | share of ceiling "
        "| budget | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| ceiling: bare Flask, constant JSON (mean of {len(result['ceiling_runs'])} runs: "
        f"{', '.join(f'{r:,}' for r in result['ceiling_runs'])}) | "
        f"| {result['ceiling']['rps']:,.0f} | "
        f"{result['ceiling']['p50']:.2f} | {result['ceiling']['p99']:.2f} | "
        f"{result['ceiling']['cpu_us']} | 1.00 | | |",
    ]
    for row in result["rows"]:
        verdict = "met" if row["ratio"] >= row["budget"] and not row["errors"] else "MISSED"
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        matches = "" if row["matches"] is None else f"{row['matches']:,}"
        lines.append(
            f"| `{row['endpoint']}` | {matches} "
            f"| {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} | {row['cpu_us']} "
            f"| {row['ratio']:.2f} | ≥ {row['budget']:.2f} | {verdict}{errors} |"
        )
    built = result["built"]
    lines += [
        "",
        f"Import: {built['n']:,} meetings in {built['import_seconds']} s through "
        f"`meetings import` ({built['import_rate']:,} meetings/s).",
        f"Largest worker resident memory after the run: {result['worker_mb']} MB.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="meetings in the database")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--data", default=str(HERE / ".data"), help="where databases are kept")
    parser.add_argument("--output", default=str(HERE / "results.md"))
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    result = measure(args)
    text = table(args, result)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
