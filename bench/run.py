"""Benchmark: every endpoint as a share of the bare-Flask ceiling, measured in the same run.

    python -m bench.run --n 100000                          # SQLite: built once, then reused
    python -m bench.run --n 100000 --database postgresql    # a throwaway PostgreSQL cluster
    python -m bench.run --n 100000 --database-url postgresql://…   # filled up to N

Builds a database of N synthetic meetings through `meetings import` (`bench.database`), on
SQLite or PostgreSQL, serves it with
`meetings serve` (granian), serves the ceiling app (bench/ceiling.py) on granian with the same
settings and on gunicorn as the API was served before (the old ceiling, for history), drives
each with wrk (loopback only, fixed concurrency, bounded in time), and writes the table to
bench/results.md. Shares are of the granian ceiling.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from api.cli import default_workers
from api.http.serving import threads
from tests.processes import free_port, meetings_command

from .ceiling import old_workers
from .database import database
from .load import load, machine, worker_memory_mb

HERE = Path(__file__).resolve().parent

ENDPOINTS = [
    ("GET /v1/meetings/{id}", "/v1/meetings/{id}", {}, 0.85),
    ("GET /v1/meetings/{id} (304)", "/v1/meetings/{id}", {"If-None-Match": "{etag}"}, 0.90),
    ("GET /v1/meetings?country=JP&limit=20", "/v1/meetings?country=JP&limit=20", {}, 0.50),
    # With q the list is by relevance unless told otherwise: ranked, by date, and a phrase.
    ("GET /v1/meetings?q={word}&limit=20", "/v1/meetings?q={word}&limit=20", {}, 0.40),
    (
        "GET /v1/meetings?q={word}&sort=-date&limit=20",
        "/v1/meetings?q={word}&sort=-date&limit=20",
        {},
        0.40,
    ),
    (
        'GET /v1/meetings?q="deepen {word}"&limit=20',
        "/v1/meetings?q=%22deepen%20{word}%22&limit=20",
        {},
        0.40,
    ),
    (
        "GET /v1/meetings?country=JP&country=KR&from=2000-01-01&limit=20",
        "/v1/meetings?country=JP&country=KR&from=2000-01-01&limit=20",
        {},
        0.45,
    ),
]
SEARCH_WORD = "resilience"


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


def ceiling_server(port: int, workers: int, server: str, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "bench.ceiling", "--port", str(port)]
    command += ["--workers", str(workers), "--server", server]
    return start(command, env, f"http://127.0.0.1:{port}/")


def mean(runs: list[dict]) -> dict:
    """The mean of a ceiling's runs, before and after the endpoints: a machine that slows or
    speeds up during the run does not favour the first or last rows."""
    result = {key: sum(run[key] for run in runs) / len(runs) for key in ("rps", "p50", "p99")}
    return {
        **result,
        "cpu_us": round(sum(run["cpu_us"] for run in runs) / len(runs)),
        "runs": [round(run["rps"]) for run in runs],
    }


def measure(args) -> dict:
    with database(args.database, args.n, Path(args.data), args.database_url) as (url, built):
        return {**measured(args, url), "built": built}


def measured(args, url: str) -> dict:
    # Rate limits off: the benchmark measures the API, not how soon it says 429.
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEETINGS_READ_RATE_LIMIT": "off",
        "MEETINGS_WRITE_RATE_LIMIT": "off",
    }
    env.pop("MEETINGS_DATA_DIR", None)
    api_port, granian_port, gunicorn_port = free_port(), free_port(), free_port()
    api = start(
        [*meetings_command(), "serve", "--port", str(api_port), "--workers", str(args.workers)],
        env,
        f"http://127.0.0.1:{api_port}/healthz",
    )
    servers = [api]
    try:
        servers.append(ceiling_server(granian_port, args.workers, "granian", env))
        servers.append(ceiling_server(gunicorn_port, old_workers(), "gunicorn", env))
        _, granian, gunicorn = servers
        ceilings = {
            name: (server, f"http://127.0.0.1:{port}/", [])
            for name, server, port in (
                ("granian", granian, granian_port),
                ("gunicorn", gunicorn, gunicorn_port),
            )
        }

        def ceiling_runs():
            for server, url, runs in ceilings.values():
                runs.append(load(server, url, {}, args))

        base = f"http://127.0.0.1:{api_port}"
        meeting_id = f"synthetic-{args.n // 2:07d}"
        with urllib.request.urlopen(f"{base}/v1/meetings/{meeting_id}") as response:
            etag = response.headers["ETag"]
        ceiling_runs()
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
        ceiling_runs()
        memory = worker_memory_mb(api.pid)
    finally:
        for process in servers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    measured = {name: mean(runs) for name, (_, _, runs) in ceilings.items()}
    for row in rows:
        row["ratio"] = round(row["rps"] / measured["granian"]["rps"], 2)
    return {"ceilings": measured, "rows": rows, "worker_mb": memory}


BACKENDS = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL (a throwaway cluster on this machine, durable, 2 GB of buffers)",
}
CEILINGS = {
    "granian": "ceiling: bare Flask on granian, constant JSON",
    "gunicorn": "old ceiling: bare Flask on gunicorn (gthread, {workers} workers), for history",
}


def table(args, result: dict) -> str:
    if args.database_url:
        backend, option = "PostgreSQL (the database given)", " --database-url …"
    else:
        backend = BACKENDS[args.database]
        option = " --database postgresql" if args.database == "postgresql" else ""
    lines = [
        f"N = {args.n:,} meetings; concurrency {args.concurrency}; {args.seconds} s per "
        f"endpoint; the API on {args.workers} granian workers of {threads(args.workers)} threads, "
        f"{backend}.",
        f"Machine: {machine()}.",
        f"Command: `python -m bench.run --n {args.n} --seconds {args.seconds} "
        f"--concurrency {args.concurrency} --workers {args.workers}{option}`",
        "",
        "| endpoint | matches | requests/s | p50 ms | p99 ms | worker CPU µs | share of ceiling "
        "| budget | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    top = result["ceilings"]["granian"]["rps"]
    for name, ceiling in result["ceilings"].items():
        label = CEILINGS[name].format(workers=old_workers())
        runs = ", ".join(f"{r:,}" for r in ceiling["runs"])
        lines.append(
            f"| {label} (mean of {len(ceiling['runs'])} runs: {runs}) | "
            f"| {ceiling['rps']:,.0f} | {ceiling['p50']:.2f} | {ceiling['p99']:.2f} | "
            f"{ceiling['cpu_us']} | {ceiling['rps'] / top:.2f} | | |"
        )
    for row in result["rows"]:
        verdict = "met" if row["ratio"] >= row["budget"] and not row["errors"] else "MISSED"
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        matches = "" if row["matches"] is None else f"{row['matches']:,}"
        lines.append(
            f"| `{row['endpoint']}` | {matches} "
            f"| {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} | {row['cpu_us']} "
            f"| {row['ratio']:.2f} | ≥ {row['budget']:.2f} | {verdict}{errors} |"
        )
    # (A database kept from before `imported` was recorded was imported whole.)
    built = {"imported": result["built"]["n"], **result["built"]}
    imported = (
        f"Import: {built['imported']:,} meetings in {built['import_seconds']} s through "
        f"`meetings import` ({built['import_rate']:,} meetings/s)."
        if built["imported"]
        else f"Import: none (the database held {built['n']:,} meetings already)."
    )
    lines += [
        "",
        imported,
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
    parser.add_argument("--database", choices=tuple(BACKENDS), default="sqlite")
    parser.add_argument(
        "--database-url", help="PostgreSQL: this database (filled up to N), not a throwaway one"
    )
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
