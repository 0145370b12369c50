"""Text search on each engine's own index: FTS5 on SQLite, tsvector with GIN on PostgreSQL.

Both index `meeting.search_text` and are kept in step by the database itself (triggers on
SQLite, a generated column on PostgreSQL), so no write path can forget them.
"""

from peewee import PostgresqlDatabase

VERSION = 3
NAME = "search"

SQLITE = [
    "CREATE VIRTUAL TABLE meeting_fts USING fts5(search_text, content='meeting', "
    "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER meeting_fts_insert AFTER INSERT ON meeting BEGIN "
    "INSERT INTO meeting_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER meeting_fts_delete AFTER DELETE ON meeting BEGIN "
    "INSERT INTO meeting_fts(meeting_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
    "CREATE TRIGGER meeting_fts_update AFTER UPDATE OF search_text ON meeting BEGIN "
    "INSERT INTO meeting_fts(meeting_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); "
    "INSERT INTO meeting_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "INSERT INTO meeting_fts(meeting_fts) VALUES ('rebuild')",
]
POSTGRESQL = [
    "ALTER TABLE meeting ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX meeting_search_vector ON meeting USING GIN (search_vector)",
]


def up(database):
    for statement in POSTGRESQL if isinstance(database, PostgresqlDatabase) else SQLITE:
        database.execute_sql(statement)
