"""wrk runs and what /proc says about a server's workers while they ran."""

import os
import platform
import re
import subprocess
from pathlib import Path


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
    """The server's worker processes: the children of any of its main process's threads."""
    tasks = Path(f"/proc/{master}/task").iterdir()
    return [pid for task in tasks for pid in (task / "children").read_text().split()]


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
    """The largest resident size among a server's workers (its main process's children)."""
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
