"""`meetings import` / `meetings export`, and the CSV, NDJSON and iCalendar feeds."""

import csv
import datetime as dt
import io
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from conftest import count_queries
from synthetic import meetings, write_ndjson

from api import db
from api.cli import main
from api.http.dumps import export_lines
from api.migrations import migrate
from api.models import Meeting
from api.services import bulk
from api.services.seeding import default_seed_files
from api.store import documents, forked, meeting_rows
from api.store import meetings as store
from schemas.fields import PartialDate


@pytest.fixture
def env(empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    return {**os.environ, "DATABASE_URL": empty_database_url}


def run(*args, stdin=None):
    result = CliRunner().invoke(main, list(map(str, args)), input=stdin)
    return result


def count(env, where=None) -> int:
    db.bind(env["DATABASE_URL"])
    with db.db.connection_context():
        query = Meeting.select()
        return (query.where(where) if where is not None else query).count()


def wipe(env) -> None:
    """Everything gone, schema included: as good as a new database."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    db.bind(url)
    with db.db.connection_context():
        db.db.execute_sql("DROP SCHEMA public CASCADE")
        db.db.execute_sql("CREATE SCHEMA public")


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_export_wipe_import_export_is_byte_identical(tmp_path, env, fmt):
    assert run("seed").exit_code == 0
    written = tmp_path / "more.ndjson"
    write_ndjson(written, 300, seed=7)
    assert run("import", written).exit_code == 0
    first = run("export", "--format", fmt)
    assert first.exit_code == 0 and first.output
    portable = run("export", "--format", "ndjson" if fmt == "csv" else fmt).output
    dump = tmp_path / ("dump.json" if fmt == "json" else "dump.ndjson")
    dump.write_text(portable, encoding="utf-8")
    wipe(env)
    result = run("import", dump)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{count(env)} created, 0 updated, 0 unchanged"
    again = run("export", "--format", fmt)
    if fmt == "csv":
        # CSV carries the server's timestamps; everything else in it must be the same.
        strip = lambda text: [r[:-3] for r in csv.reader(io.StringIO(text))]  # noqa: E731
        assert strip(again.output) == strip(first.output)
    else:
        assert again.output == first.output


def test_reimporting_an_export_changes_nothing(tmp_path, env):
    assert run("seed").exit_code == 0
    dump = tmp_path / "dump.ndjson"
    dump.write_text(run("export").output, encoding="utf-8")
    result = run("import", dump)
    assert result.exit_code == 0
    assert result.output.strip() == f"0 created, 0 updated, {count(env)} unchanged"


def test_import_reads_stdin_json_arrays_and_seed_files(tmp_path, env):
    seed = default_seed_files()[0]
    result = run("import", seed)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ created, 0 updated, 0 unchanged", result.output.strip())
    exported = [json.loads(line) for line in run("export").output.splitlines()]
    assert exported and all(m["sources"][0]["seed_file"] for m in exported)
    extra = tmp_path / "extra.ndjson"
    write_ndjson(extra, 3, seed=3)
    as_array = json.dumps([json.loads(line) for line in extra.read_text().splitlines()])
    result = run("import", "-", stdin=as_array)
    assert result.exit_code == 0 and result.output.strip() == "3 created, 0 updated, 0 unchanged"


def test_import_is_all_or_nothing_and_names_the_line(tmp_path, env):
    assert run("seed").exit_code == 0
    before = count(env)
    path = tmp_path / "bad.ndjson"
    write_ndjson(path, 50, seed=5)
    lines = path.read_text().splitlines()
    broken = json.loads(lines[41])
    broken["parties"] = ["JP", "XX"]
    lines[41] = json.dumps(broken)
    path.write_text("\n".join(lines) + "\n")
    result = run("import", path)
    assert result.exit_code == 1
    assert "line 42" in result.output and "parties" in result.output and "XX" in result.output
    assert "nothing was stored" in result.output
    assert count(env) == before


def test_import_rejects_unknown_fields_and_bad_json(tmp_path, env):
    path = tmp_path / "bad.ndjson"
    write_ndjson(path, 1)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "colour": "blue"}) + "\n")
    result = run("import", path)
    assert result.exit_code == 1
    assert "line 1: colour: Unknown field." in result.output
    path.write_text("{not json\n")
    result = run("import", path)
    assert result.exit_code == 1 and "line 1" in result.output


def test_import_refuses_a_lone_surrogate_or_a_nul_and_takes_a_pair(tmp_path, env):
    path = tmp_path / "odd.ndjson"
    records = [json.loads(line) for line in _lines(3, seed=4)]
    records[1]["summary"] = "Half a pair: \ud800."
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")  # the half escaped
    result = run("import", path)
    assert result.exit_code == 1
    assert "line 2: not valid JSON: lone surrogate \\ud800" in result.output
    path.write_text(json.dumps(records))  # a JSON array
    result = run("import", path)
    assert result.exit_code == 1 and "lone surrogate \\ud800" in result.output
    # A NUL character, which orjson reads without complaint: refused as the API refuses it.
    records[1]["summary"] = "A NUL: \x00."
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    result = run("import", path)
    assert result.exit_code == 1
    assert "line 2: not valid JSON: NUL character \\u0000" in result.output
    # Nested past what orjson reads (1,024 levels) and near what Python's parser can.
    path.write_text(json.dumps(records[0]) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    result = run("import", path)
    assert result.exit_code == 1
    assert "line 2: not valid JSON: nested more than 64 levels deep" in result.output
    assert count(env) == 0
    records[1]["summary"] = "A pair: \U0001f600."
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    result = run("import", path)
    assert result.exit_code == 0, result.output
    db.bind(env["DATABASE_URL"])
    with db.db.connection_context():
        assert Meeting.get_by_id(records[1]["id"]).summary == "A pair: \U0001f600."
    # A seed file's YAML has the same escapes.
    seed = tmp_path / "odd.yaml"
    text = default_seed_files()[0].read_text(encoding="utf-8")
    seed.write_text(text.replace('    title: "', '    title: "\\ud800', 1), encoding="utf-8")
    result = run("import", seed)
    assert result.exit_code == 1
    assert "cannot be read: lone surrogate \\ud800" in result.output
    seed.write_text(text + "deep: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = run("import", seed)
    assert result.exit_code == 1
    assert "cannot be read: nested more than 64 levels deep" in result.output


# Runs `meetings import`, which stops in its transaction once some of its rows are written, says
# how many on standard output, and waits there (on standard input) to be killed.
_PAUSED_IMPORT = """
import sys

from api.services import bulk
from api.cli import main

original = bulk.import_records


def paused(records, name, progress=None):
    written = 0

    def signalled(count):
        nonlocal written
        written += count
        if written < len(records):
            print(f"{written} of {len(records)} written", flush=True)
            sys.stdin.read()

    return original(records, name, progress=signalled)


bulk.import_records = paused
main(["import", sys.argv[1]])
"""


def test_import_killed_midway_leaves_the_database_as_it_was(tmp_path, env):
    assert run("seed").exit_code == 0
    before = count(env)
    path = tmp_path / "big.ndjson"
    write_ndjson(path, 4000, seed=11)
    process = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_IMPORT, str(path)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The import says when it is midway; only then is it killed, however fast it runs.
        signalled = process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stdin.close()
    written, total = map(int, re.fullmatch(rb"(\d+) of (\d+) written\n", signalled).groups())
    assert 0 < written < total == 4000
    assert process.stdout.read() == b""
    process.stdout.close()
    assert count(env) == before
    assert count(env, Meeting.id.startswith("synthetic-")) == 0
    if env["DATABASE_URL"].startswith("sqlite:"):
        path = env["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- Large imports: a child process shares the work ----------------------------------------


@pytest.fixture
def shared_with_a_child(monkeypatch):
    """Any batch, however small, shared with a forked child; the children made are counted."""
    children = []
    original = forked.Shared.__init__

    def counted(self, *args, **kwargs):
        children.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(forked, "worth_it", lambda records: True)
    monkeypatch.setattr(forked.Shared, "__init__", counted)
    monkeypatch.setattr(bulk, "CHECK_CHUNK", 7)
    monkeypatch.setattr(store, "WRITE_CHUNK", 9)
    return children


def _lines(count: int, seed: int) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in meetings(count, seed=seed)]


def _loaded(text: str):
    try:
        return bulk.load_file(text, "file")
    except bulk.BadImportFile as exc:
        return str(exc)


def test_checking_shared_with_a_child_gives_the_same_answers(monkeypatch, shared_with_a_child):
    lines = _lines(80, seed=2)
    broken = [json.loads(line) for line in lines]
    broken[3]["parties"] = ["JP", "XX"]
    broken[60]["colour"] = "blue"
    broken[70]["id"] = broken[5]["id"]
    broken = [json.dumps(m) for m in broken]
    not_json = [*lines[:9], "{not json", *lines[9:50], "[oops", *lines[50:]]
    texts = {
        "valid lines": "\n".join(lines),
        "valid array": "[" + ",".join(lines) + "]",
        "invalid records": "\n".join(broken),
        "bad JSON": "\n".join(not_json),
    }
    with monkeypatch.context() as alone:
        alone.setattr(forked, "worth_it", lambda records: False)
        expected = {name: _loaded(text) for name, text in texts.items()}
    assert not shared_with_a_child
    assert {name: _loaded(text) for name, text in texts.items()} == expected
    assert len(shared_with_a_child) == len(texts)
    assert len(expected["valid lines"]) == 80 and expected["valid array"] == expected["valid lines"]
    assert "line 4: parties" in expected["invalid records"]
    assert "line 71: id 'synthetic-0000005' is also at line 6" in expected["invalid records"]
    assert expected["bad JSON"].startswith("file: line 10: not valid JSON")


def _stored(url: str) -> tuple:
    """Every meeting's stored document (its import times left out), the export, and the rows of
    the other tables in the order they were written."""
    db.bind(url)
    with db.db.connection_context():
        ids = [m.id for m in Meeting.select(Meeting.id).order_by(Meeting.id)]
        texts = documents.stored(ids)
        exported = "".join(export_lines("ndjson"))
        rows = [
            list(model.select().order_by(*model._meta.get_primary_keys()).tuples())
            for model in (*store.CHILDREN, store.Relation)
        ]
    stamps = re.compile(rb'"(created_at|updated_at)":"[^"]*"')
    texts = {i: text.encode() if isinstance(text, str) else text for i, text in texts.items()}
    return [stamps.sub(b"", texts[i]) for i in ids], exported, rows


def _import(url: str, records: list[dict]):
    db.bind(url)
    with db.db.connection_context():
        return bulk.import_records(bulk.load_file("\n".join(records), "file"), "file")


def test_checked_chunks_cross_from_the_child_unchanged():
    lines = _lines(6, seed=4)
    lines[2] = lines[2].replace('"parties": [', '"parties": ["XX", ', 1)
    checked, bad_json = bulk._checked(list(enumerate(lines, 1)), "file", True)
    assert any(messages for _, _, messages in checked)
    sent = bulk._encode_checked((checked, bad_json))
    assert sent[:1] == b"j"  # as JSON, dates and all
    got, got_bad_json = bulk._decode_checked(sent)
    assert [tuple(entry) for entry in got] == checked and got_bad_json is None
    assert isinstance(got[0][1]["date"], PartialDate)
    # What JSON would not carry as it is goes by pickle.
    odd = ([("line 1", {"id": "x", "n": 2**70, "date": checked[0][1]["date"]}, [])], None)
    sent = bulk._encode_checked(odd)
    assert sent[:1] == b"p" and bulk._decode_checked(sent) == odd


def test_every_item_taken_here_before_the_child_starts(monkeypatch):
    """This process takes items from the back while the child is slow to start; when it has
    taken them all, the child ends with nothing to send, and every result is still given."""
    context = multiprocessing.get_context("fork")
    everything_taken, childs_first_look = context.Event(), context.Value("i", -2)
    original = forked._next

    def late(bounds, parent):
        # The child's first look at the items comes only once this process has them all.
        everything_taken.wait()
        index = original(bounds, parent)
        if childs_first_look.value == -2:
            childs_first_look.value = -1 if index is None else index
        return index

    monkeypatch.setattr(forked, "_next", late)
    with forked.Shared(lambda item: (item * 2, os.getpid()), list(range(5))) as results:
        given = list(results)
        everything_taken.set()
        while childs_first_look.value == -2:
            time.sleep(0.01)  # the child is told to look; no limit on how long it takes
    assert given == [(item * 2, os.getpid()) for item in range(5)]
    assert childs_first_look.value == -1  # the child found nothing left to work out


def test_results_come_back_in_order_however_the_items_are_shared():
    def work(item):
        time.sleep(0.01 * (item % 3))  # uneven items: each process gets ahead at times
        return (item, os.getpid())

    with forked.Shared(work, list(range(40))) as results:
        got = list(results)
    assert [item for item, _ in got] == list(range(40))


def _sharing(items: int, child_next: int, first_ours: int, child: float, using: float):
    """A `forked.Shared` as it stands part way (no child made): `items` in all, the child's next
    and the first taken here, and the seconds an item takes the child and using a result here
    takes (each known from ten)."""
    shared = forked.Shared.__new__(forked.Shared)
    shared._items, shared._bounds = list(range(items)), [child_next, first_ours]
    shared._child_seconds, shared._child_items = child * 10, 10
    shared._own_seconds, shared._own_items = 0.0, 0
    shared._using_seconds, shared._used = using * 10, 10
    return shared


def test_this_process_takes_items_only_while_that_ends_the_whole_sooner():
    # Nothing known of the child yet: working beats waiting.
    fresh = _sharing(50, 0, 50, 0, 0)
    fresh._child_items = 0
    assert fresh._worth_taking(0)
    # Light use of results (gathering what checked records refer to): take a share...
    assert _sharing(50, 12, 40, child=0.06, using=0.005)._worth_taking(12)
    # ...but not the last few, which the child ends sooner than this process could.
    assert not _sharing(50, 46, 48, child=0.06, using=0.005)._worth_taking(40)
    # Heavy use (writing each chunk's rows): this process is the one to wait for; it takes none.
    assert not _sharing(50, 12, 50, child=0.06, using=0.07)._worth_taking(11)
    # Unless the child is far slower still.
    assert _sharing(50, 12, 50, child=0.2, using=0.07)._worth_taking(11)


def test_rows_prepared_by_a_child_are_stored_the_same(databases, monkeypatch, shared_with_a_child):
    first, second = _lines(100, seed=6), _lines(60, seed=6)
    # The second batch changes some of the first and adds meetings linked to earlier ones.
    changed = [json.loads(line) for line in first[40:70]]
    for meeting in changed[::3]:
        meeting["title"] += " (corrected)"
    second = [json.dumps(m) for m in changed] + [
        json.dumps(m) for m in meetings(40, seed=6, first=100)
    ]
    results = {}
    for how in ("alone", "shared"):
        url = databases.empty()
        db.bind(url)
        migrate()
        with monkeypatch.context() as alone:
            if how == "alone":
                alone.setattr(forked, "worth_it", lambda records: False)
            counts = [_import(url, batch) for batch in (first, second)]
        results[how] = (counts, _stored(url))
        databases.drop(url)
    assert results["shared"] == results["alone"]
    assert results["alone"][0][1] == {"created": 40, "updated": 10, "unchanged": 20}
    assert shared_with_a_child


def _pairs(url: str) -> tuple[set, set]:
    """The stored party pairs, and those the stored parties make: each ordered pair of two
    parties of a meeting, with the meeting's first day."""
    db.bind(url)
    with db.db.connection_context():
        stored = db.db.execute_sql(
            'SELECT "country", "other", "date_first", "meeting_id" FROM "party_pair"'
        ).fetchall()
        made = db.db.execute_sql(
            'SELECT a."country", b."country", m."date_first", m."id" FROM "party" a '
            'JOIN "party" b ON b."meeting_id" = a."meeting_id" AND b."country" <> a."country" '
            'JOIN "meeting" m ON m."id" = a."meeting_id"'
        ).fetchall()
    return set(stored), set(made)


def test_an_import_writes_every_party_pair_and_other_writes_still_get_theirs(
    env, shared_with_a_child
):
    url = env["DATABASE_URL"]
    assert run("migrate").exit_code == 0
    first = _lines(60, seed=5)
    # Imported again: some with another party, some on another day, some as they were.
    again = [json.loads(line) for line in first[10:40]]
    for meeting in again[::3]:
        meeting["parties"] = [*[c for c in meeting["parties"] if c != "FR"], "FR"]
    for meeting in again[1::3]:
        meeting["date"], meeting["date_precision"] = "2001-02-03", "day"
    outcomes = [_import(url, batch) for batch in (first, [json.dumps(m) for m in again])]
    assert outcomes == [Counter(created=60), Counter(updated=20, unchanged=10)]
    stored, made = _pairs(url)
    assert stored == made
    assert {(mid, day) for _, _, day, mid in stored} >= {
        (m["id"], "2001-02-03" if env["DATABASE_URL"].startswith("sqlite") else dt.date(2001, 2, 3))
        for m in again[1::3]
    }
    assert {(mid, "FR") for country, _, _, mid in stored if country == "FR"} == {
        (m["id"], "FR")
        for m in again[::3] + [json.loads(line) for line in first]
        if "FR" in m["parties"]
    }
    # A write that is not an import: the database's trigger writes its pairs.
    record = json.loads(_lines(1, seed=7)[0])
    record["id"], record["parties"] = "written-by-hand", ["JP", "KR", *record["parties"]]
    record["parties"] = list(dict.fromkeys(record["parties"]))
    db.bind(url)
    with db.db.connection_context():
        checked = bulk.load_file(json.dumps(record), "file")
        with db.db.atomic():
            outcome = store.save_meetings(checked, references=checked.references)
    assert outcome == {"written-by-hand": "created"}
    stored, made = _pairs(url)
    assert stored == made
    assert ("JP", "KR") in {(a, b) for a, b, _, mid in stored if mid == "written-by-hand"}


def test_a_failure_in_the_child_is_raised_here_and_nothing_is_stored(
    env, monkeypatch, shared_with_a_child
):
    assert run("seed").exit_code == 0
    before = count(env)
    digest = meeting_rows.digest

    def failing(meeting, *topics):
        if meeting["id"] == "synthetic-0000003":
            raise RuntimeError("cannot digest this one")
        return digest(meeting, *topics)

    monkeypatch.setattr(meeting_rows, "digest", failing)
    with pytest.raises(RuntimeError, match="cannot digest this one"):
        _import(env["DATABASE_URL"], _lines(60, seed=3))
    assert shared_with_a_child and count(env) == before


def test_documents_made_on_import_are_those_read_back(env):
    assert run("seed").exit_code == 0
    for first in (0, 150):
        batch = [json.dumps(m) for m in meetings(150, seed=8, first=first)]
        assert _import(env["DATABASE_URL"], batch) == {"created": 150}
    db.bind(env["DATABASE_URL"])
    with db.db.connection_context():
        ids = [m.id for m in Meeting.select(Meeting.id)]
        rendered = documents.render(ids)
        stored = documents.stored(ids)
    assert len(ids) > 300
    assert {i: documents.encode(rendered[i]) for i in ids} == stored
    assert any(r["relation"] == "follow_up" for d in rendered.values() for r in d["related"])


@pytest.mark.sqlite_only
def test_sqlite_keeps_documents_as_bytes_and_serves_older_text_ones_the_same(client, database_url):
    path = database_url.removeprefix("sqlite:///")

    def kinds() -> dict:
        with sqlite3.connect(path) as connection:
            return dict(
                connection.execute('SELECT typeof("document"), count(*) FROM "meeting" GROUP BY 1')
            )

    def answers() -> list:
        got = [client.get(f"/v1/meetings/{mid}") for mid in ids]
        got += [client.get("/v1/meetings?limit=100"), client.get("/v1/meetings?limit=100&q=summit")]
        return [(r.status_code, r.headers.get("ETag"), r.data) for r in got]

    stored = kinds()
    assert list(stored) == ["blob"]  # the seeds, written as every write writes documents
    with sqlite3.connect(path) as connection:
        ids = [mid for (mid,) in connection.execute('SELECT "id" FROM "meeting" LIMIT 3')]
    before = answers()
    # Documents stored as text, as the versions before kept them: read the same.
    with sqlite3.connect(path) as connection:
        connection.execute('UPDATE "meeting" SET "document" = CAST("document" AS TEXT)')
    assert kinds() == {"text": stored["blob"]}
    assert answers() == before
    assert all(status == 200 for status, _, _ in before)
    # A document written again is written as bytes.
    db.bind(database_url)
    with db.db.connection_context():
        documents.refresh(ids[:1])
    assert kinds() == {"blob": 1, "text": stored["blob"] - 1}
    assert answers() == before


# --- The same data over HTTP -----------------------------------------------------------------


def test_ndjson_streams_every_match_without_paging(client):
    response = client.get(
        "/v1/meetings?country=KR&limit=1", headers={"Accept": "application/x-ndjson"}
    )
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    total = client.get("/v1/meetings?country=KR").get_json()["meta"]["total"]
    assert len(lines) == total > 1
    assert lines[0] == client.get(f"/v1/meetings/{lines[0]['id']}").get_json()


def test_csv_has_a_row_per_match(client):
    response = client.get("/v1/meetings?country=JP&sort=date", headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    listed = client.get("/v1/meetings?country=JP&sort=date&limit=100").get_json()["data"]
    assert [r["id"] for r in rows] == [m["id"] for m in listed]
    first = rows[0]
    assert first["parties"] == "; ".join(p["country"] for p in listed[0]["parties"])
    assert first["title"] == listed[0]["title"]


def test_icalendar_feed_is_timed_or_all_day_as_precision_allows(client):
    response = client.get("/v1/meetings", headers={"Accept": "text/calendar"})
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    events = {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    total = client.get("/v1/meetings").get_json()["meta"]["total"]
    assert len(events) == total
    timed = events["2023-11-13-jp-cl-foreign-ministers-meeting"]
    assert timed.decoded("dtstart").isoformat() == "2023-11-14T00:00:00+00:00"
    assert timed.decoded("duration").total_seconds() == 30 * 60
    day = events["2024-09-06-jp-kr-summit"]
    assert day.decoded("dtstart").isoformat() == "2024-09-06"
    assert day.decoded("dtend").isoformat() == "2024-09-07"
    month = events["2018-09-jp-kr-summit-new-york"]
    assert (month.decoded("dtstart").isoformat(), month.decoded("dtend").isoformat()) == (
        "2018-09-01",
        "2018-10-01",
    )
    assert str(events["2002-07-01-jp-kr-summit-tokyo"]["status"]) == "TENTATIVE"


def test_unservable_accept_is_406_problem(client):
    response = client.get("/v1/meetings", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "text/csv" in response.get_json()["detail"]
    assert client.get("/v1/meetings", headers={"Accept": "*/*"}).mimetype == "application/json"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/v1/meetings", headers={"Accept": browser}).mimetype == "application/json"


def test_records_hashed_by_the_first_digest_load_again_unchanged(env, monkeypatch):
    """Records stored before the digest moved to orjson keep their old hash; loading them
    again must still change nothing, and a real change must still be seen."""
    assert run("seed").exit_code == 0
    lines = _lines(30, seed=8)
    with monkeypatch.context() as old_code:
        old_code.setattr(
            meeting_rows, "digest", lambda data, *topics: meeting_rows.first_digest(data)
        )
        assert _import(env["DATABASE_URL"], lines) == Counter(created=30)
    with db.db.connection_context():
        before = {m.id: (m.revision, m.content_hash) for m in Meeting.select()}
    assert _import(env["DATABASE_URL"], lines) == Counter(unchanged=30)
    changed = [json.loads(line) for line in lines]
    changed[4]["title"] += " (corrected)"
    outcome = _import(env["DATABASE_URL"], [json.dumps(m) for m in changed])
    assert outcome == Counter(unchanged=29, updated=1)
    with db.db.connection_context():
        after = {m.id: (m.revision, m.content_hash) for m in Meeting.select()}
    moved = {mid for mid in before if after[mid] != before[mid]}
    assert moved == {changed[4]["id"]}
    assert after[changed[4]["id"]][0] == before[changed[4]["id"]][0] + 1
    # The changed record is stored with the new digest, which the old one is not.
    assert after[changed[4]["id"]][1] != before[changed[4]["id"]][1]
    assert _import(env["DATABASE_URL"], [json.dumps(m) for m in changed]) == Counter(unchanged=30)


def _sqlite_state(url: str) -> tuple:
    """The database's index and trigger definitions, and what `PRAGMA foreign_key_check` finds
    wrong."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        indexes = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "ORDER BY type, name"
        ).fetchall()
        dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return indexes, dangling


def _import_statements(url: str, lines: list[str]) -> tuple[list[str], Counter]:
    """The SQL an import runs on the connection (and the outcome); it ends with that
    connection's foreign-key setting."""
    db.bind(url)
    with db.db.connection_context():
        records = bulk.load_file("\n".join(lines), "file")
        with count_queries() as statements:
            outcome = bulk.import_records(records, "file")
        (enforced,) = db.db.execute_sql("PRAGMA foreign_keys").fetchone()
    return statements, outcome, enforced


@pytest.mark.sqlite_only
def test_a_large_import_builds_its_plain_indexes_after_its_rows(env):
    url = env["DATABASE_URL"]
    assert run("migrate").exit_code == 0
    indexes, _ = _sqlite_state(url)
    statements, outcome, enforced = _import_statements(url, _lines(60, seed=8))
    assert outcome == Counter(created=60)
    dropped = [s for s in statements if s.startswith("DROP INDEX")]
    # The child tables' non-unique indexes; no unique one, none of the meeting table's.
    assert '"participant_person_id_date_first_meeting_id"' in " ".join(dropped)
    assert '"party_country_date_first_meeting_id"' in " ".join(dropped)
    assert not any("meeting_id_position" in s or "party_meeting_id_country" in s for s in dropped)
    assert not any('"meeting_date_first_id"' in s or '"meeting_type"' in s for s in dropped)
    # The trigger that writes party pairs is off while the import writes them itself.
    assert [s.split(" ON ")[0] for s in statements if "TRIGGER" in s] == [
        'DROP TRIGGER "party_pair_insert"',
        "CREATE TRIGGER party_pair_insert AFTER INSERT",
    ]
    # Every index and trigger back as it was; no dangling key.
    assert _sqlite_state(url) == (indexes, [])
    assert enforced == 1  # foreign keys are enforced again on this connection
    # Each is used as before: a list by country still walks its index.
    db.bind(url)
    with db.db.connection_context():
        plan = db.db.execute_sql(
            "EXPLAIN QUERY PLAN SELECT meeting_id FROM party WHERE country = 'JP' "
            "ORDER BY date_first DESC LIMIT 5"
        ).fetchall()
    assert "party_country_date_first_meeting_id" in str(plan)


@pytest.mark.sqlite_only
def test_a_small_import_into_a_larger_table_keeps_its_indexes(env):
    url = env["DATABASE_URL"]
    assert run("migrate").exit_code == 0
    _import_statements(url, _lines(60, seed=8))
    indexes, _ = _sqlite_state(url)
    more = [json.dumps(m) for m in meetings(10, seed=9, first=60)]
    statements, outcome, enforced = _import_statements(url, more)
    assert outcome == Counter(created=10)
    assert not [s for s in statements if "INDEX" in s]
    assert _sqlite_state(url) == (indexes, [])
    assert enforced == 1


@pytest.mark.sqlite_only
def test_a_failed_large_import_leaves_indexes_and_foreign_keys_as_they_were(env):
    url = env["DATABASE_URL"]
    assert run("migrate").exit_code == 0
    indexes, _ = _sqlite_state(url)
    lines = _lines(30, seed=8)
    dangling = json.loads(lines[-1])
    dangling["related"] = [{"id": "no-such-meeting", "relation": "previous"}]
    lines[-1] = json.dumps(dangling)
    db.bind(url)
    with db.db.connection_context():
        with pytest.raises(bulk.BadImportFile, match="no-such-meeting"):
            bulk.import_records(bulk.load_file("\n".join(lines), "file"), "file")
        (enforced,) = db.db.execute_sql("PRAGMA foreign_keys").fetchone()
    assert enforced == 1
    assert _sqlite_state(url) == (indexes, [])
    assert count(env) == 0
