"""On PostgreSQL, `meetings import` writes by COPY: the same rows, documents, change log and
party pairs as writing row by row (as API writes do), and nothing at all if it dies midway."""

import json
import os
import signal
import subprocess
import time

import psycopg2
import pytest
from processes import meetings_command
from synthetic import meetings as synthetic_meetings

from api import db
from api.migrations import migrate
from api.services import bulk
from api.services.seeding import load_seeds
from api.store.meetings import save_meetings

# Every table a write of meetings touches, with the columns that hold the time of the write
# (which differs between two runs) left out, and an order that makes the rows comparable.
TABLES = {
    "meeting": ("id", {"created_at", "updated_at", "document"}),
    "party": ("meeting_id, position", set()),
    "party_pair": ("country, other, date_first, meeting_id", set()),
    "participant": ("meeting_id, position", set()),
    "agreed_point": ("meeting_id, position", set()),
    "discussed": ("meeting_id, position", set()),
    "meeting_topic": ("meeting_id, topic", set()),
    "meeting_source": ("meeting_id, position", set()),
    "relation": ("meeting_id, other_id", set()),
    "change": ("seq", {"at"}),
    "person": ("id", {"created_at", "updated_at"}),
    "source": ("id", {"created_at", "updated_at"}),
    "tombstone": ("id", {"deleted_at"}),
}
TIMES = {"created_at", "updated_at"}


def ndjson(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def batches() -> list[bytes]:
    """Three files: 300 new meetings; then 100 of them changed, 100 the same and 100 new;
    then the same again (nothing changes)."""
    first = list(synthetic_meetings(300, seed=5))
    changed = [{**m, "title": m["title"] + " (revised)"} for m in first[:100]]
    second = changed + first[100:200] + list(synthetic_meetings(100, seed=5, first=300))
    return [ndjson(first), ndjson(second), ndjson(second)]


def snapshot(url: str) -> dict:
    """Every row of every table written, but for the times of the write; documents as JSON."""
    connection = psycopg2.connect(url)
    try:
        found = {}
        with connection.cursor() as cursor:
            for table, (order, left_out) in TABLES.items():
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
                names = [c.name for c in cursor.description]
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
                for row in rows:
                    if "document" in row:
                        document = json.loads(row["document"])
                        row["document"] = {k: v for k, v in document.items() if k not in TIMES}
                    for name in left_out - {"document"}:
                        row.pop(name)
                found[table] = rows
        return found
    finally:
        connection.close()


@pytest.fixture
def two_databases(postgres):
    urls = []
    for name in ("by_copy", "by_row"):
        url = postgres.create_database(name)
        db.bind(url)
        migrate()
        with db.db.connection_context():
            load_seeds()
        urls.append(url)
    yield urls
    for name in ("by_copy", "by_row"):
        postgres.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_import_by_copy_stores_what_row_by_row_writes_store(two_databases):
    by_copy, by_row = two_databases
    for number, data in enumerate(batches()):
        name = f"batch-{number}.ndjson"
        db.bind(by_copy)
        with db.db.connection_context():
            copied = bulk.import_records(bulk.load_file(data, name), name)
        db.bind(by_row)
        with db.db.connection_context(), db.db.atomic():
            records = bulk.load_file(data, name)
            outcome = save_meetings(records, references=records.references)
        assert copied == bulk.Counter(outcome.values())
    assert copied == {"unchanged": 300}
    copy_rows, row_rows = snapshot(by_copy), snapshot(by_row)
    assert len(copy_rows["meeting"]) == len(row_rows["meeting"]) > 400
    assert {row["op"] for row in copy_rows["change"]} >= {"created", "updated"}
    assert copy_rows["party_pair"], "the party pairs follow COPY's party rows"
    for table in TABLES:
        assert copy_rows[table] == row_rows[table], table


def test_an_import_ends_with_fresh_planner_statistics(two_databases):
    url = two_databases[0]
    db.bind(url)
    with db.db.connection_context():
        bulk.import_records(bulk.load_file(batches()[0], "new.ndjson"), "new.ndjson")
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('meeting', 'party', 'party_pair', 'meeting_topic', 'change')"
            )
            assert dict(cursor.fetchall()) == dict.fromkeys(
                ("meeting", "party", "party_pair", "meeting_topic", "change"), True
            )
    finally:
        connection.close()


def _copy_running(url: str, database: str) -> bool:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND state = 'active' AND query LIKE 'COPY %%'",
                [database],
            )
            return cursor.fetchone()[0] > 0
    finally:
        connection.close()


def test_an_import_killed_inside_a_copy_leaves_the_database_as_it_was(two_databases, tmp_path):
    url = two_databases[0]
    before = snapshot(url)
    path = tmp_path / "big.ndjson"
    path.write_bytes(ndjson(synthetic_meetings(6000, seed=9)))
    process = subprocess.Popen(
        [*meetings_command(), "import", str(path)],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Killed only once the server is taking a COPY from it, however fast or slow it runs
        # (bounded: the import of 6,000 meetings is seconds of COPY).
        deadline = time.monotonic() + 300
        while not _copy_running(url, "by_copy"):
            assert process.poll() is None, "the import ended before any COPY was seen"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    # The server notices the client gone and rolls its transaction back.
    deadline = time.monotonic() + 60
    while _copy_running(url, "by_copy") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert snapshot(url) == before
    # And the same file imports whole afterwards.
    done = subprocess.run(
        [*meetings_command(), "import", str(path)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "6000 created" in done.stdout
