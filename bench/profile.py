"""Where a request's time goes, in process: each read called through the app's WSGI entry
point (no server, no network), timed, and optionally profiled.

    python -m bench.profile --n 100000                 # µs of CPU a request, each read
    python -m bench.profile --n 100000 --profile 304   # and cProfile's top functions
    SORT=tottime python -m bench.profile --profile q   # ordered by own time, not cumulative

Uses the database `bench.run` built for N (build it first), rate limits off as in the
benchmark (`OFF`), and the bare-Flask ceiling app (`bench.ceiling`) for comparison. The access log
goes to standard error: redirect it (`2>/dev/null`).
"""

import argparse
import cProfile
import os
import pstats
import time

from werkzeug.test import EnvironBuilder

from .ceiling import create
from .run import HERE, SEARCH_WORD

# Rate limits off, as in the benchmark.
OFF = {
    "MEETINGS_READ_RATE_LIMIT": "off",
    "MEETINGS_WRITE_RATE_LIMIT": "off",
    "MEETINGS_AUTH_FAILURE_LIMIT": "off",
}


def reads(etag: str, meeting_id: str) -> dict:
    return {
        "item": (f"/v1/meetings/{meeting_id}", {}),
        "304": (f"/v1/meetings/{meeting_id}", {"If-None-Match": etag}),
        "country": ("/v1/meetings?country=JP&limit=20", {}),
        "q": (f"/v1/meetings?q={SEARCH_WORD}&limit=20", {}),
        "q-date": (f"/v1/meetings?q={SEARCH_WORD}&sort=-date&limit=20", {}),
        "pair": ("/v1/meetings?country=JP&country=KR&from=2000-01-01&limit=20", {}),
    }


def caller(app, path: str, headers: dict):
    """A function that sends the request to `app` and returns its status."""
    environ = EnvironBuilder(
        path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ).get_environ()
    status = []

    def start_response(code, _headers, exc_info=None):
        status[:] = [code]

    def call():
        b"".join(app(dict(environ), start_response))
        return status[0]

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", help="a read to profile: ceiling, item, 304, country, …")
    args = parser.parse_args()
    database = HERE / ".data" / f"n{args.n}" / "meetings.db"
    if not database.exists():
        raise SystemExit(f"no database of {args.n} meetings: run python -m bench.run --n {args.n}")
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    from api import create_app

    app = create_app(OFF)
    first = app.test_client().get("/v1/meetings?limit=1").get_json()["data"][0]["id"]
    etag = app.test_client().get(f"/v1/meetings/{first}").headers["ETag"]
    calls = {"ceiling": caller(create(), "/", {})}
    calls |= {name: caller(app, *read) for name, read in reads(etag, first).items()}
    for name, call in calls.items():
        for _ in range(200):  # warm: caches, the connection, the page cache
            call()
        began = time.process_time()
        for _ in range(args.requests):
            call()
        spent = (time.process_time() - began) / args.requests
        print(f"{name:8} {spent * 1e6:7.0f} µs of CPU a request ({call()})")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            calls[args.profile]()
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(40)


if __name__ == "__main__":
    main()
