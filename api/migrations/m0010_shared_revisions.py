"""People and sources get a revision (their ETag), `created_at` and `updated_at`, and the
change log a `type`: `meeting`, `person` or `source`. What the log held before this step is
meetings'; the people and sources stored before it enter the log as created, so that a mirror
following them from `since=0` gets every one.

Each new column has a default in the database, so a server older than this step can still
store a person, a source or a change while the upgrade runs. On PostgreSQL the instants
default to the time of the insert; on SQLite, whose ADD COLUMN takes only a constant, to the
time of this step.
"""

import datetime as dt

from peewee import PostgresqlDatabase

VERSION = 10
NAME = "shared_revisions"


def up(database):
    postgres = isinstance(database, PostgresqlDatabase)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if postgres:
        instant = "TIMESTAMP NOT NULL DEFAULT (date_trunc('second', now() AT TIME ZONE 'UTC'))"
    else:
        instant = f"DATETIME NOT NULL DEFAULT '{now}'"
    columns = {
        "revision": "INTEGER NOT NULL DEFAULT 1",
        "created_at": instant,
        "updated_at": instant,
    }
    for table in ("person", "source"):
        # A database made from today's models has them already.
        have = {c.name for c in database.get_columns(table)}
        for column, definition in columns.items():
            if column not in have:
                database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')
    if "type" not in {c.name for c in database.get_columns("change")}:
        database.execute_sql(
            'ALTER TABLE "change" ADD COLUMN "type" VARCHAR(8) NOT NULL DEFAULT \'meeting\''
        )
    database.execute_sql('CREATE INDEX IF NOT EXISTS "change_type_seq" ON "change" ("type", "seq")')
    for table in ("person", "source"):
        database.execute_sql(
            'INSERT INTO "change" ("meeting_id", "op", "revision", "at", "type") '
            f'SELECT "id", \'created\', "revision", "updated_at", \'{table}\' '
            f'FROM "{table}" ORDER BY "id"'
        )
