"""Every list filter, alone and paired with `country`, timed at several sizes.

    python -m bench.sweep --n 10000 --n 100000
    python -m bench.sweep --n 100000 --database postgresql     # a throwaway cluster per N

For each N it builds (or reuses) the database of N synthetic meetings as `bench.run` does
(`bench.database`), on SQLite or PostgreSQL,
then times each query in-process through the Flask test client, the full view path with rate
limits off: a few requests first (a worker counts each total once per state of the data),
then `--requests` timed ones, of which it reports the median (p50). Beside each figure is the
plan the query builder chose (`api.queries.pages.plan`): the index it walks in date order, or
"sort" when the matches are few enough to read whole and sort, and the exact total. The last
column is p50 at the largest N over p50 at the smallest: the budget is at most 1.5.
"""

import argparse
import os
import statistics
import time
from pathlib import Path
from urllib.parse import parse_qsl

from .database import database
from .run import HERE, SEARCH_WORD

FILTERS = [
    "country=JP",
    "person={person}",
    "from=2000-01-01",
    "to=1990-12-31",
    "type=summit",
    "format=phone",
    "status=held",
    "location_country=JP",
    "topic=climate",
    f"q={SEARCH_WORD}",
    f"q={SEARCH_WORD}&sort=-date",
    f"q=%22deepen%20{SEARCH_WORD}%22",
    "updated_since=2000-01-01T00:00:00Z",
    "sort=date",
    "sort=-date",
]
PAIRED = "country=KR"


def queries() -> list[str]:
    """Each filter alone, then each paired with `country`."""
    return FILTERS + [f"{query}&{PAIRED}" for query in FILTERS]


def _person(app) -> str:
    """A participant of the first synthetic meeting: a person with a few meetings."""
    from api.db import db

    with app.app_context(), db.connection_context():
        return db.execute_sql(
            'SELECT "person_id" FROM "participant" WHERE "meeting_id" = '
            "'synthetic-0000000' ORDER BY \"position\" LIMIT 1"
        ).fetchone()[0]


def _plan(app, query: str) -> str:
    from marshmallow import fields
    from werkzeug.datastructures import MultiDict

    from api.db import db
    from api.queries import pages
    from schemas.common import MeetingArgs

    raw, schema = MultiDict(parse_qsl(query)), MeetingArgs()
    repeatable = {k for k, field in schema.fields.items() if isinstance(field, fields.List)}
    args = schema.load({k: raw.getlist(k) if k in repeatable else raw[k] for k in raw})
    args.pop("limit", None), args.pop("sort", None)
    with app.app_context(), db.connection_context():
        plan = pages.plan(args)
    if not plan.walk:
        return f"sort ({plan.total:,})"
    where = "date index" if plan.driver is None else f"{plan.driver.name} index"
    where = "search index" if plan.search else where
    return f"walk {where} ({plan.total:,})"


def sweep(url: str, requests: int) -> dict[str, tuple[float, str]]:
    """p50 ms and plan of each query against the database at `url`."""
    from api import create_app

    os.environ["DATABASE_URL"] = url
    app = create_app(
        {
            "MEETINGS_READ_RATE_LIMIT": "off",
            "MEETINGS_WRITE_RATE_LIMIT": "off",
            "MEETINGS_AUTH_FAILURE_LIMIT": "off",
            "MEETINGS_LOG_LEVEL": "WARNING",
        }
    )
    client = app.test_client()
    person = _person(app)
    results = {}
    for template in queries():
        query = template.format(person=person)
        url = f"/v1/meetings?{query}&limit=20"
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(requests):
            began = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        results[template] = (statistics.median(times), _plan(app, query))
    return results


def table(by_n: dict[int, dict]) -> str:
    sizes = sorted(by_n)
    head = "| query | " + " | ".join(f"p50 ms at {n:,} | plan at {n:,}" for n in sizes)
    head += f" | {sizes[-1]:,} / {sizes[0]:,} |" if len(sizes) > 1 else " |"
    lines = [head, "|---" * (2 * len(sizes) + 1 + (len(sizes) > 1)) + "|"]
    for query in queries():
        cells = [f"`{query}`"]
        for n in sizes:
            p50, plan = by_n[n][query]
            cells += [f"{p50:.2f}", plan]
        if len(sizes) > 1:
            cells.append(f"{by_n[sizes[-1]][query][0] / by_n[sizes[0]][query][0]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="meetings (repeat for several)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests a query")
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="where databases live")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL: this database, filled up to each N")
    options = parser.parse_args()
    by_n = {}
    for n in options.n or [10_000]:
        with database(options.database, n, options.data, options.database_url) as (url, built):
            by_n[n] = sweep(url, options.requests)
            print(f"N = {n:,}: {built}", flush=True)
    print(table(by_n))


if __name__ == "__main__":
    main()
