"""Each ordered pair of a meeting's parties gets a row, keyed by the two countries and the
meeting's first day, so that a list filtered by two countries reads one index range in date
order instead of walking one country's meetings and looking the other up in each."""

from peewee import PostgresqlDatabase

VERSION = 7
NAME = "party_pairs"

TABLE = (
    'CREATE TABLE "party_pair" ('
    '"country" VARCHAR(2) NOT NULL, "other" VARCHAR(2) NOT NULL, "date_first" DATE NOT NULL, '
    '"meeting_id" VARCHAR(100) NOT NULL REFERENCES "meeting" ("id") ON DELETE CASCADE, '
    'PRIMARY KEY ("country", "other", "date_first", "meeting_id"))'
)


def up(database):
    # On SQLite the table is its own index (no rowid): one b-tree written per row.
    sqlite = not isinstance(database, PostgresqlDatabase)
    database.execute_sql(TABLE + (" WITHOUT ROWID" if sqlite else ""))
    database.execute_sql('CREATE INDEX "party_pair_meeting_id" ON "party_pair" ("meeting_id")')
    database.execute_sql(
        'INSERT INTO "party_pair" ("country", "other", "date_first", "meeting_id") '
        'SELECT a."country", b."country", m."date_first", a."meeting_id" FROM "party" a '
        'JOIN "party" b ON b."meeting_id" = a."meeting_id" AND b."country" <> a."country" '
        'JOIN "meeting" m ON m."id" = a."meeting_id"'
    )
