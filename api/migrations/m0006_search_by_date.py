"""SQLite's search index numbers each meeting by its first day, then its rowid.

FTS5 reads matches in rowid order and can stop early, but cannot sort them by anything else.
With `rowid = julianday(date_first) << 32 | meeting.rowid`, its own order is the list's date
order, so a page of search results is the first rows FTS5 finds rather than every match read
and sorted. (PostgreSQL's search is left as it is.)
"""

from peewee import PostgresqlDatabase

VERSION = 6
NAME = "search_by_date"

KEY = "((CAST(julianday({row}.date_first) AS INTEGER) << 32) | {row}.rowid)"
SQLITE = [
    "DROP TRIGGER meeting_fts_insert",
    "DROP TRIGGER meeting_fts_delete",
    "DROP TRIGGER meeting_fts_update",
    "DROP TABLE meeting_fts",
    # Contentless: the text is the meeting's own search_text; the index holds only its words.
    "CREATE VIRTUAL TABLE meeting_fts USING fts5(search_text, content='', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER meeting_fts_insert AFTER INSERT ON meeting BEGIN "
    f"INSERT INTO meeting_fts(rowid, search_text) VALUES ({KEY.format(row='new')}, "
    "new.search_text); END",
    "CREATE TRIGGER meeting_fts_delete AFTER DELETE ON meeting BEGIN "
    "INSERT INTO meeting_fts(meeting_fts, rowid, search_text) "
    f"VALUES ('delete', {KEY.format(row='old')}, old.search_text); END",
    "CREATE TRIGGER meeting_fts_update AFTER UPDATE OF search_text, date_first ON meeting BEGIN "
    "INSERT INTO meeting_fts(meeting_fts, rowid, search_text) "
    f"VALUES ('delete', {KEY.format(row='old')}, old.search_text); "
    f"INSERT INTO meeting_fts(rowid, search_text) VALUES ({KEY.format(row='new')}, "
    "new.search_text); END",
    "INSERT INTO meeting_fts(rowid, search_text) "
    f"SELECT {KEY.format(row='meeting')}, search_text FROM meeting",
]


def up(database):
    if isinstance(database, PostgresqlDatabase):
        return
    for statement in SQLITE:
        database.execute_sql(statement)
