"""Search by stems and by weight: the title and topics apart from the other words.

The meeting gets `search_title` (its title and topics), filled in for stored meetings by the
migration runner with today's code, as documents are. SQLite's index gets the two columns and
the Porter stemmer; PostgreSQL's vector is English, the title and topics weighed A and the rest
D, for `ts_rank_cd`.
"""

from peewee import PostgresqlDatabase

VERSION = 13
NAME = "stemmed_search"

KEY = "((CAST(julianday({row}.date_first) AS INTEGER) << 32) | {row}.rowid)"
COLUMNS = "search_title, search_text"
OLD = "{row}.search_title, {row}.search_text"
ADD_COLUMN = "ALTER TABLE meeting ADD COLUMN search_title TEXT"
SQLITE = [
    "DROP TRIGGER meeting_fts_insert",
    "DROP TRIGGER meeting_fts_delete",
    "DROP TRIGGER meeting_fts_update",
    "DROP TABLE meeting_fts",
    # Contentless, as before (migration 0006): the index holds only the words.
    f"CREATE VIRTUAL TABLE meeting_fts USING fts5({COLUMNS}, content='', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER meeting_fts_insert AFTER INSERT ON meeting BEGIN "
    f"INSERT INTO meeting_fts(rowid, {COLUMNS}) VALUES ({KEY.format(row='new')}, "
    f"{OLD.format(row='new')}); END",
    "CREATE TRIGGER meeting_fts_delete AFTER DELETE ON meeting BEGIN "
    f"INSERT INTO meeting_fts(meeting_fts, rowid, {COLUMNS}) "
    f"VALUES ('delete', {KEY.format(row='old')}, {OLD.format(row='old')}); END",
    "CREATE TRIGGER meeting_fts_update AFTER UPDATE OF search_title, search_text, date_first "
    "ON meeting BEGIN "
    f"INSERT INTO meeting_fts(meeting_fts, rowid, {COLUMNS}) "
    f"VALUES ('delete', {KEY.format(row='old')}, {OLD.format(row='old')}); "
    f"INSERT INTO meeting_fts(rowid, {COLUMNS}) VALUES ({KEY.format(row='new')}, "
    f"{OLD.format(row='new')}); END",
    f"INSERT INTO meeting_fts(rowid, {COLUMNS}) "
    f"SELECT {KEY.format(row='meeting')}, {OLD.format(row='meeting')} FROM meeting",
]
POSTGRESQL = [
    "DROP INDEX meeting_search_vector",
    "ALTER TABLE meeting DROP COLUMN search_vector",
    "ALTER TABLE meeting ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('english', search_text), 'D')) STORED",
    "CREATE INDEX meeting_search_vector ON meeting USING GIN (search_vector)",
]


def up(database):
    # Tables made from the models before migrations were recorded may have the column already.
    if "search_title" not in {c.name for c in database.get_columns("meeting")}:
        database.execute_sql(ADD_COLUMN)
    for statement in POSTGRESQL if isinstance(database, PostgresqlDatabase) else SQLITE:
        database.execute_sql(statement)
