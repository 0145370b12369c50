"""Evidence, names for sorting, kinds of source, and aliases.

- `meeting.evidence`: where each fact stands in its sources, as JSON (null: none yet).
- `person.sort_name` and `person.name_order`; `source.kind`.
- `alias`: the ids a meeting, person or source had before it was renamed, and the id it has.
- `change.renamed_to`: for a change of op `renamed`, the record's new id.

Stored documents gain `evidence` and `aliases` (both empty), placed where a document
rendered today has them, so that a read shows them before the record is next written. Every
new column may be null, so servers older than this step keep writing while it runs.
"""

import json

from peewee import PostgresqlDatabase

VERSION = 11
NAME = "evidence_and_aliases"
COLUMNS = {
    "meeting": {"evidence": "TEXT"},
    "person": {"sort_name": "VARCHAR(200)", "name_order": "VARCHAR(12)"},
    "source": {"kind": "VARCHAR(20)"},
    "change": {"renamed_to": "VARCHAR(100)"},
}
BATCH = 500


def up(database):
    for table, columns in COLUMNS.items():
        # A database made from today's models has them already.
        have = {c.name for c in database.get_columns(table)}
        for column, kind in columns.items():
            if column not in have:
                database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind} NULL')
    timestamp = "TIMESTAMP" if isinstance(database, PostgresqlDatabase) else "DATETIME"
    database.execute_sql(
        'CREATE TABLE IF NOT EXISTS "alias" ("kind" VARCHAR(8) NOT NULL, '
        '"id" VARCHAR(100) NOT NULL, "target" VARCHAR(100) NOT NULL, '
        f'"created_at" {timestamp} NOT NULL, PRIMARY KEY ("kind", "id"))'
    )
    database.execute_sql(
        'CREATE INDEX IF NOT EXISTS "alias_kind_target" ON "alias" ("kind", "target")'
    )
    _documents_gain_fields(database)


def _documents_gain_fields(database):
    """A batch of documents at a time, by id, so that a large table is never read whole."""
    param, last = database.param, ""
    while True:
        rows = database.execute_sql(
            f'SELECT "id", "document" FROM "meeting" WHERE "id" > {param} '
            f'AND "document" IS NOT NULL ORDER BY "id" LIMIT {BATCH}',
            (last,),
        ).fetchall()
        if not rows:
            return
        for meeting_id, stored in rows:
            document = json.loads(stored)
            if "evidence" in document:
                continue
            updated = {}
            for key, value in document.items():
                if key == "created_at":
                    updated.update(evidence=[], aliases=[])
                updated[key] = value
            text = json.dumps(updated, ensure_ascii=False, separators=(",", ":"))
            database.execute_sql(
                f'UPDATE "meeting" SET "document" = {param} WHERE "id" = {param}',
                (text.encode() if isinstance(stored, bytes) else text, meeting_id),
            )
        last = rows[-1][0]
