"""Schema migrations: from the first schema to the latest with every record intact."""

import sqlite3
import subprocess

import pytest
from click.testing import CliRunner
from conftest import meetings_command

from api import create_app, db
from api.cli import main
from api.migrations import LATEST, applied, available, migrate
from api.models import MODELS, Meeting

V1_TABLES = (
    "person",
    "source",
    "meeting",
    "party",
    "participant",
    "agreed_point",
    "discussed",
    "meeting_topic",
    "meeting_source",
    "relation",
)


def rows(url: str, table: str) -> list[dict]:
    db.bind(url)
    with db.db.connection_context():
        cursor = db.db.execute_sql(f'SELECT * FROM "{table}"')
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def copy_rows(source_url: str, target_url: str, table: str) -> None:
    """Copy a table's rows, as they are, into the same table of another database."""
    data = rows(source_url, table)
    db.bind(target_url)
    with db.db.connection_context(), db.db.atomic():
        # Only the columns the first schema had (not the later generated search column).
        columns = {c.name for c in db.db.get_columns(table)}
        for row in ({k: v for k, v in r.items() if k in columns} for r in data):
            names = ", ".join(f'"{n}"' for n in row)
            marks = ", ".join([db.db.param] * len(row))
            db.db.execute_sql(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(row.values())
            )


def documents(url: str) -> dict:
    client = create_app({"DATABASE_URL": url}).test_client()
    listed = client.get("/v1/meetings?limit=100").get_json()["data"]
    return {m["id"]: m for m in listed}


def test_first_schema_migrated_to_the_latest_keeps_every_record(database_url, empty_database_url):
    # The first schema, holding the seed records as the read API v1 stored them.
    db.bind(empty_database_url)
    assert migrate(upto=1) == ["0001_initial"]
    for table in V1_TABLES:
        copy_rows(database_url, empty_database_url, table)
    # The first schema kept no evidence and no kind of source: those come back empty.
    expected = {
        mid: {
            **m,
            "evidence": [],
            "sources": [{**s, "kind": None} for s in m["sources"]],
        }
        for mid, m in documents(database_url).items()
    }
    assert rows(empty_database_url, "meeting")

    db.bind(empty_database_url)
    applied_now = migrate()
    assert applied_now == [f"{m.VERSION:04d}_{m.NAME}" for m in available()[1:]]
    assert documents(empty_database_url) == expected
    client = create_app({"DATABASE_URL": empty_database_url}).test_client()
    # Search works on the migrated rows as on rows written today (stems, phrases, exclusions,
    # the title's weight), and the change log knows every old record.
    today = create_app({"DATABASE_URL": database_url}).test_client()
    for q in ("kishida", "evacuation", '"joint declaration"', "summit -Seoul", "Tōkyō", "2019"):
        url = f"/v1/meetings?limit=100&q={q}"
        assert client.get(url).get_json()["data"] == today.get(url).get_json()["data"], q
    assert client.get("/v1/meetings?q=evacuation").get_json()["meta"]["total"] == 1
    assert not [row for row in rows(empty_database_url, "meeting") if row["search_title"] is None]
    changes = client.get("/v1/changes?limit=1000").get_json()["data"]
    assert {c["id"] for c in changes if c["op"] == "created"} == set(expected)
    # Party pairs (0007) are made from the old rows as writes make them.
    pairs = rows(empty_database_url, "party_pair")
    assert pairs
    assert sorted(map(sorted_pair, pairs)) == sorted(
        map(sorted_pair, rows(database_url, "party_pair"))
    )


def test_step_0017_makes_every_stored_meetings_date_searched(database_url):
    """Meetings stored before step 0017 have no date among their search words; the step appends
    them, word for word as a write of today ends them, so a year and a month find them."""
    client = create_app({"DATABASE_URL": database_url}).test_client()
    expected = client.get("/v1/meetings?limit=100&q=summit 2024 september").get_json()["data"]
    assert [m["id"] for m in expected] == ["2024-09-06-jp-kr-summit"]
    db.bind(database_url)
    with db.db.connection_context():
        made_today = {m.id: m.search_text for m in Meeting.select()}
        # As step 0016 left them: the same words without the date's, which come last.
        for meeting in Meeting.select():
            words = meeting.search_text.split()
            dated = 1 if len(meeting.date) == 4 else 2
            assert words[-dated] == meeting.date[:4], meeting.id
            old = " ".join(words[:-dated])
            Meeting.update(search_text=old).where(Meeting.id == meeting.id).execute()
        db.db.execute_sql("DELETE FROM schema_migration WHERE version = 17")
    # Each search in other words: a worker keeps rankings and totals for as long as the change
    # log stands still, which a migration does not move (a server is restarted on upgrading).
    assert client.get("/v1/meetings?q=2024 summit september").get_json()["data"] == []
    assert migrate() == ["0017_dates_searched"]
    assert client.get("/v1/meetings?limit=100&q=september 2024 summit").get_json()["data"] == (
        expected
    )
    # Word for word what a write of today makes.
    assert {row["id"]: row["search_text"] for row in rows(database_url, "meeting")} == made_today


def sorted_pair(row: dict) -> tuple:
    return (row["meeting_id"], row["country"], row["other"], str(row["date_first"]))


def test_migrating_twice_does_nothing(empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    first = CliRunner().invoke(main, ["migrate"])
    assert first.exit_code == 0 and "applied 0001_initial" in first.output
    second = CliRunner().invoke(main, ["migrate"])
    assert second.exit_code == 0 and "nothing to do" in second.output
    db.bind(empty_database_url)
    with db.db.connection_context():
        assert applied() == {m.VERSION for m in available()}


def test_migrated_schema_has_every_models_column(empty_database_url):
    db.bind(empty_database_url)
    migrate()
    with db.db.connection_context():
        tables = set(db.db.get_tables())
        for model in MODELS:
            assert model._meta.table_name in tables
            columns = {c.name for c in db.db.get_columns(model._meta.table_name)}
            assert {f.column_name for f in model._meta.sorted_fields} <= columns, model


def test_database_made_before_migrations_is_recognised(empty_database_url):
    db.bind(empty_database_url)
    with db.db.connection_context():
        db.db.create_tables(MODELS)
        Meeting.select().count()
    # Those tables have the later columns (document) but no search index, old or date-keyed.
    assert migrate() == [
        "0003_search",
        "0006_search_by_date",
        "0008_fewer_indexes",
        "0009_filter_dates_kept",
        "0010_shared_revisions",
        "0011_evidence_and_aliases",
        "0012_filter_value_dates",
        "0013_stemmed_search",
        "0014_source_rights",
        "0015_webhooks",
        "0016_party_pairs_by_statement",
        "0017_dates_searched",
    ]


def test_serve_refuses_a_database_that_needs_migrating(empty_database_url):
    db.bind(empty_database_url)
    migrate(upto=1)
    result = subprocess.run(
        [*meetings_command(), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DATABASE_URL": empty_database_url, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert f"needs {LATEST}" in result.stderr and "meetings migrate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["seed"], ["export"], ["keys", "list"]])
def test_other_commands_refuse_an_old_schema_too(empty_database_url, monkeypatch, command):
    db.bind(empty_database_url)
    migrate(upto=2)
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1 and "meetings migrate" in result.output


@pytest.mark.sqlite_only
def test_a_new_sqlite_database_gets_16_kib_pages_and_an_older_one_keeps_its_own(tmp_path):
    older = tmp_path / "older.db"
    made = sqlite3.connect(older)  # as SQLite's defaults make it
    made.execute("PRAGMA page_size = 4096")
    made.execute("PRAGMA journal_mode = wal")
    made.close()
    for path, size in ((tmp_path / "new.db", 16_384), (older, 4096)):
        db.bind(f"sqlite:///{path}")
        with db.db.connection_context():
            migrate()
        connection = sqlite3.connect(path)
        try:
            assert connection.execute("PRAGMA page_size").fetchone() == (size,)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            connection.close()
