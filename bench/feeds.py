"""Benchmark: unpaged feeds of every meeting, several at once, and what other requests see.

    python -m bench.feeds --n 100000                       # SQLite, built as bench.run builds it
    python -m bench.feeds --n 100000 --database-url postgresql://127.0.0.1:5433/feeds

Serves the database with `meetings serve` (rate limits off), then for each format (CSV,
NDJSON, iCalendar) starts `--feeds` parallel feeds of every meeting, each read to its end in a
process of its own, while the main process samples `GET /healthz` and `GET /v1/meetings/{id}`
in turn. Prints (and writes to `--output`) each format's feed durations, whether each feed
arrived whole, and the latencies of the samples, beside a baseline taken with no feed running.
"""

import argparse
import csv
import io
import os
import random
import signal
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import requests

from api.cli import default_workers
from tests.processes import free_port, meetings_command

from .database import database
from .run import HERE, machine, start, worker_memory_mb

FORMATS = {"text/csv": "CSV", "application/x-ndjson": "NDJSON", "text/calendar": "iCalendar"}
CHUNK = 1 << 16


def count_items(media: str, response) -> int:
    """Rows, lines or events in a streamed feed, read to its end (raises when it breaks off)."""
    if media == "text/csv":
        text = io.TextIOWrapper(response.raw, encoding="utf-8", newline="")
        return sum(1 for _ in csv.reader(text)) - 1
    marker = b"\n" if media == "application/x-ndjson" else b"BEGIN:VEVENT\r\n"
    keep = len(marker) - 1  # a marker may straddle two chunks: keep what could start one
    count, tail = 0, b""
    for chunk in response.iter_content(CHUNK):
        data = tail + chunk
        count += data.count(marker)
        tail = data[len(data) - keep :]
    return count


def read_feed(base: str, media: str) -> dict:
    """One whole feed: its status, duration, items, and the error that broke it off, if any."""
    began = time.perf_counter()
    try:
        with requests.get(
            f"{base}/v1/meetings", headers={"Accept": media}, stream=True, timeout=(10, 300)
        ) as response:
            if response.status_code != 200:
                return {"status": response.status_code, "seconds": 0.0, "items": 0}
            if media == "text/csv":
                response.raw.decode_content = True
            items = count_items(media, response)
        error = None
    except requests.RequestException as exc:
        items, error = None, type(exc).__name__
    return {
        "status": 200,
        "seconds": round(time.perf_counter() - began, 2),
        "items": items,
        "error": error,
    }


def sample(base: str, ids: list[str], stop: threading.Event, every: float = 0.02) -> dict:
    """Latencies (ms) of `/healthz` and item reads, taken in turn until `stop` is set."""
    latencies = {"healthz": [], "item": [], "failed": 0}
    session = requests.Session()
    turn = 0
    while not stop.is_set():
        kind = "healthz" if turn % 2 == 0 else "item"
        url = f"{base}/healthz" if kind == "healthz" else f"{base}/v1/meetings/{random.choice(ids)}"
        began = time.perf_counter()
        try:
            ok = session.get(url, timeout=30).status_code == 200
        except requests.RequestException:
            ok = False
        if ok:
            latencies[kind].append((time.perf_counter() - began) * 1000)
        else:
            latencies["failed"] += 1
        turn += 1
        time.sleep(every)
    return latencies


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "max": round(ordered[-1], 1),
    }


def run_round(base: str, ids: list[str], media: str | None, feeds: int, seconds: float) -> dict:
    """`feeds` feeds of `media` at once (or none, for `seconds`) while sampling."""
    stop = threading.Event()
    latencies = {}
    sampler = threading.Thread(target=lambda: latencies.update(sample(base, ids, stop)))
    sampler.start()
    began = time.perf_counter()
    results = []
    try:
        if media is None:
            time.sleep(seconds)
        else:
            # The readers stand for clients on other machines: at a lower priority, their
            # reading takes no processor time from the server and the sampler.
            with ProcessPoolExecutor(feeds, initializer=os.nice, initargs=(10,)) as pool:
                results = list(pool.map(read_feed, [base] * feeds, [media] * feeds))
    finally:
        stop.set()
        sampler.join()
    return {
        "media": media,
        "wall": round(time.perf_counter() - began, 2),
        "feeds": results,
        "healthz": summary(latencies["healthz"]),
        "item": summary(latencies["item"]),
        "failed": latencies["failed"],
    }


def measure(args) -> dict:
    with database("sqlite", args.n, Path(args.data), args.database_url) as (url, built):
        return measured(args, url, built)


def measured(args, url: str, built: dict) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEETINGS_READ_RATE_LIMIT": "off",
        "MEETINGS_WRITE_RATE_LIMIT": "off",
        "MEETINGS_LOG_LEVEL": "WARNING",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*meetings_command(), "serve", "--port", str(port), "--workers", str(args.workers)]
    server = start(command, env, f"{base}/healthz")
    try:
        total = requests.get(f"{base}/v1/meetings?limit=1", timeout=60).json()["meta"]["total"]
        ids = [f"synthetic-{i:07d}" for i in random.Random(1).sample(range(args.n), 200)]
        rounds = [run_round(base, ids, None, 0, args.baseline)]
        for media in args.formats:
            rounds.append(run_round(base, ids, media, args.feeds, 0))
        memory = worker_memory_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)
    backend = url.split(":", 1)[0]
    return {"built": built, "total": total, "rounds": rounds, "backend": backend, "mb": memory}


def _ms(stats: dict) -> str:
    figures = (stats[k] for k in ("p50", "p99", "max"))
    return " / ".join("–" if v is None else f"{v:,.1f}" for v in figures)


def table(args, result: dict) -> str:
    total = result["total"]
    lines = [
        f"{total:,} meetings on {result['backend']}; {args.feeds} feeds of every meeting at "
        f"once per format; `meetings serve --workers {args.workers}`.",
        f"Machine: {machine()}.",
        f"Command: `python -m bench.feeds --n {args.n} --feeds {args.feeds}"
        + (" --database-url …" if args.database_url else "")
        + "`",
        "",
        "| feeds running | feed seconds (each) | whole | `/healthz` ms p50 / p99 / max "
        "| item ms p50 / p99 / max | samples | failed |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in result["rounds"]:
        feeds = row["feeds"]
        name = (
            "none (baseline)" if row["media"] is None else f"{len(feeds)} × {FORMATS[row['media']]}"
        )
        seconds = ", ".join(f"{f['seconds']:.1f}" for f in feeds if f["status"] == 200) or "–"
        refused = [f["status"] for f in feeds if f["status"] != 200]
        whole = sum(f["items"] == total and f.get("error") is None for f in feeds)
        verdict = "–" if not feeds else f"{whole} of {len(feeds)}"
        if refused:
            verdict += f" ({len(refused)} × {refused[0]})"
        samples = row["healthz"]["n"] + row["item"]["n"]
        lines.append(
            f"| {name} | {seconds} | {verdict} | {_ms(row['healthz'])} | {_ms(row['item'])} "
            f"| {samples} | {row['failed']} |"
        )
    lines += ["", f"Largest worker resident memory after the feeds: {result['mb']} MB."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="meetings in the database")
    parser.add_argument("--feeds", type=int, default=4, help="feeds at once, per format")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument(
        "--database-url", help="serve this database (filled up to N meetings) instead of SQLite"
    )
    parser.add_argument(
        "--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS), metavar="TYPE"
    )
    parser.add_argument("--baseline", type=float, default=5, help="seconds sampled idle")
    parser.add_argument("--data", default=str(HERE / ".data"), help="where databases are kept")
    parser.add_argument("--output", default=str(HERE / "feeds.md"))
    args = parser.parse_args(argv)
    result = measure(args)
    text = table(args, result)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
