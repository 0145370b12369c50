"""On PostgreSQL, a statement's new party rows get their pairs (migration 0007) once per
statement, from the statement's rows as a whole (a transition table), instead of once per row.

A bulk import writes a file's parties with one COPY a thousand meetings: one set-based insert
of their pairs, instead of a trigger function run, and its query planned, for each party row.
Pairs between two rows of the same statement are found from either side: `UNION` keeps one.
SQLite's row trigger stays as it is (an import there writes the pairs itself).
"""

from peewee import PostgresqlDatabase

VERSION = 16
NAME = "party_pairs_by_statement"

PAIRS_OF_ADDED = (
    'INSERT INTO "party_pair" ("country", "other", "date_first", "meeting_id") '
    'SELECT a."country", p."country", m."date_first", a."meeting_id" '
    'FROM "added" a JOIN "party" p ON p."meeting_id" = a."meeting_id" '
    'AND p."country" <> a."country" JOIN "meeting" m ON m."id" = a."meeting_id" '
    "UNION "
    'SELECT p."country", a."country", m."date_first", a."meeting_id" '
    'FROM "added" a JOIN "party" p ON p."meeting_id" = a."meeting_id" '
    'AND p."country" <> a."country" JOIN "meeting" m ON m."id" = a."meeting_id" '
    "ON CONFLICT DO NOTHING"
)

POSTGRES = [
    # (A database made before migrations has the table but never had the trigger.)
    "DROP TRIGGER IF EXISTS party_pair_insert ON party",
    "DROP FUNCTION IF EXISTS party_pair_insert()",
    "CREATE FUNCTION party_pairs_added() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN {PAIRS_OF_ADDED}; RETURN NULL; END $$",
    "CREATE TRIGGER party_pairs_added AFTER INSERT ON party REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION party_pairs_added()",
]


def up(database):
    if isinstance(database, PostgresqlDatabase):
        for statement in POSTGRES:
            database.execute_sql(statement)
