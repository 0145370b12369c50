"""Versioned schema migrations: each module `mNNNN_name.py` has `up(database)`.

`migrate()` applies the ones not yet applied, each in its own transaction, and records them in
the `schema_migration` table; running it again does nothing. Several instances starting at
once take turns: PostgreSQL through an advisory lock, SQLite through its write lock.
"""

import datetime as dt
import importlib
import pkgutil
from contextlib import contextmanager

from peewee import CharField, DateTimeField, IntegerField, Model, PostgresqlDatabase

from api.db import db

ADVISORY_LOCK = 7_340_211


class SchemaMigration(Model):
    version = IntegerField(primary_key=True)
    name = CharField(max_length=100)
    applied_at = DateTimeField()

    class Meta:
        database = db
        table_name = "schema_migration"


def available() -> list:
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("m")
    ]
    return sorted(modules, key=lambda m: m.VERSION)


LATEST = available()[-1].VERSION


def applied() -> set[int]:
    if not SchemaMigration.table_exists():
        return set()
    return {row.version for row in SchemaMigration.select(SchemaMigration.version)}


def pending() -> list:
    done = applied()
    return [m for m in available() if m.VERSION not in done]


def current_version() -> int:
    done = applied()
    return max(done) if done else 0


def is_new() -> bool:
    """A database with none of our tables yet."""
    return not SchemaMigration.table_exists() and "meeting" not in db.get_tables()


def _baseline() -> None:
    """Databases made before migrations were recorded: mark the steps their tables show."""
    if SchemaMigration.table_exists() or "meeting" not in db.get_tables():
        return
    SchemaMigration.create_table()
    tables = set(db.get_tables())
    columns = {c.name for c in db.get_columns("meeting")}
    party_columns = {c.name for c in db.get_columns("party")}
    steps = {
        1: True,
        2: "change" in tables,
        3: "meeting_fts" in tables or "search_vector" in columns,
        4: "document" in columns,
        5: "date_first" in party_columns,
        7: "party_pair" in tables,
    }
    for module in available():
        if steps.get(module.VERSION):
            SchemaMigration.create(
                version=module.VERSION,
                name=module.NAME,
                applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )


@contextmanager
def exclusive():
    """A transaction that one instance at a time holds: PostgreSQL's advisory lock, or SQLite's
    write lock (its transactions begin IMMEDIATE)."""
    with db.atomic():
        if isinstance(db.obj, PostgresqlDatabase):
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK,))
        yield


def migrate(upto: int | None = None) -> list[str]:
    """Apply every pending migration (up to `upto`); returns the names applied."""
    names = []
    with db.connection_context():
        _baseline()
        SchemaMigration.create_table(safe=True)
        for module in available():
            if upto is not None and module.VERSION > upto:
                break
            with exclusive():
                if SchemaMigration.get_or_none(SchemaMigration.version == module.VERSION):
                    continue
                module.up(db.obj)
                SchemaMigration.create(
                    version=module.VERSION,
                    name=module.NAME,
                    applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
                )
                names.append(f"{module.VERSION:04d}_{module.NAME}")
        if upto is None or upto >= LATEST:
            with exclusive():
                _render_missing_documents()
                _fill_search_columns()
    return names


def _render_missing_documents() -> None:
    """Meetings stored before they kept their document (step 0004) get it, rendered by
    today's code now that the schema is today's."""
    from api.store.documents import refresh

    missing = [
        mid
        for (mid,) in db.execute_sql(
            'SELECT "id" FROM "meeting" WHERE "document" IS NULL ORDER BY "id"'
        ).fetchall()
    ]
    refresh(missing)


def _fill_search_columns() -> None:
    """Meetings stored before their title and topics were searched apart (step 0013) get
    their search columns, made by today's code."""
    from api.models import Meeting
    from api.store.rows import CHUNK
    from api.store.touch import stored_search_columns

    missing = [
        mid
        for (mid,) in db.execute_sql(
            'SELECT "id" FROM "meeting" WHERE "search_title" IS NULL ORDER BY "id"'
        ).fetchall()
    ]
    for start in range(0, len(missing), CHUNK):
        for meeting_id, columns in stored_search_columns(missing[start : start + CHUNK]).items():
            Meeting.update(**columns).where(Meeting.id == meeting_id).execute()
