"""Each ordered pair of a meeting's parties gets a row, keyed by the two countries and the
meeting's first day, so that a list filtered by two countries reads one index range in date
order instead of walking one country's meetings and looking the other up in each.

Triggers keep the pairs: a party row added or removed adds or removes its pairs, and a
meeting's new first day moves them. Whatever writes party rows (this version, or a server of
an older one still running while the migration runs) leaves the pairs right.
"""

from peewee import PostgresqlDatabase

VERSION = 7
NAME = "party_pairs"

TABLE = (
    'CREATE TABLE "party_pair" ('
    '"country" VARCHAR(2) NOT NULL, "other" VARCHAR(2) NOT NULL, "date_first" DATE NOT NULL, '
    '"meeting_id" VARCHAR(100) NOT NULL REFERENCES "meeting" ("id") ON DELETE CASCADE, '
    'PRIMARY KEY ("country", "other", "date_first", "meeting_id"))'
)
INDEX = 'CREATE INDEX "party_pair_meeting_id" ON "party_pair" ("meeting_id")'
FILL = (
    'INSERT INTO "party_pair" ("country", "other", "date_first", "meeting_id") '
    'SELECT a."country", b."country", m."date_first", a."meeting_id" FROM "party" a '
    'JOIN "party" b ON b."meeting_id" = a."meeting_id" AND b."country" <> a."country" '
    'JOIN "meeting" m ON m."id" = a."meeting_id"'
)

# A new party row pairs with each other party of its meeting, both ways. (PostgreSQL runs row
# triggers after the whole statement, when each row of a multi-row insert sees the others:
# the second sighting of a pair is skipped.)
PAIRS_OF_NEW = (
    'INSERT INTO "party_pair" ("country", "other", "date_first", "meeting_id") '
    'SELECT NEW."country", p."country", m."date_first", NEW."meeting_id" '
    'FROM "party" p JOIN "meeting" m ON m."id" = NEW."meeting_id" '
    'WHERE p."meeting_id" = NEW."meeting_id" AND p."country" <> NEW."country" '
    "UNION ALL "
    'SELECT p."country", NEW."country", m."date_first", NEW."meeting_id" '
    'FROM "party" p JOIN "meeting" m ON m."id" = NEW."meeting_id" '
    'WHERE p."meeting_id" = NEW."meeting_id" AND p."country" <> NEW."country"'
)
PAIRS_OF_OLD = (
    'DELETE FROM "party_pair" WHERE "meeting_id" = OLD."meeting_id" '
    'AND ("country" = OLD."country" OR "other" = OLD."country")'
)
NEW_FIRST_DAY = (
    'UPDATE "party_pair" SET "date_first" = NEW."date_first" WHERE "meeting_id" = NEW."id"'
)

SQLITE = [
    "CREATE TRIGGER party_pair_insert AFTER INSERT ON party BEGIN "
    f"{PAIRS_OF_NEW.replace('INSERT INTO', 'INSERT OR IGNORE INTO', 1)}; END",
    f"CREATE TRIGGER party_pair_delete AFTER DELETE ON party BEGIN {PAIRS_OF_OLD}; END",
    "CREATE TRIGGER party_pair_first_day AFTER UPDATE OF date_first ON meeting "
    f"WHEN NEW.date_first IS NOT OLD.date_first BEGIN {NEW_FIRST_DAY}; END",
]


def _plpgsql(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body}; RETURN NULL; END $$"
    )


POSTGRES = [
    _plpgsql("party_pair_insert", PAIRS_OF_NEW + " ON CONFLICT DO NOTHING"),
    "CREATE TRIGGER party_pair_insert AFTER INSERT ON party "
    "FOR EACH ROW EXECUTE FUNCTION party_pair_insert()",
    _plpgsql("party_pair_delete", PAIRS_OF_OLD),
    "CREATE TRIGGER party_pair_delete AFTER DELETE ON party "
    "FOR EACH ROW EXECUTE FUNCTION party_pair_delete()",
    _plpgsql("party_pair_first_day", NEW_FIRST_DAY),
    "CREATE TRIGGER party_pair_first_day AFTER UPDATE OF date_first ON meeting "
    "FOR EACH ROW WHEN (NEW.date_first IS DISTINCT FROM OLD.date_first) "
    "EXECUTE FUNCTION party_pair_first_day()",
]


def up(database):
    # On SQLite the table is its own index (no rowid): one b-tree written per row.
    sqlite = not isinstance(database, PostgresqlDatabase)
    database.execute_sql(TABLE + (" WITHOUT ROWID" if sqlite else ""))
    database.execute_sql(INDEX)
    database.execute_sql(FILL)
    for statement in SQLITE if sqlite else POSTGRES:
        database.execute_sql(statement)
