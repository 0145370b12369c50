"""The filter tables' `date_first` (migration 0005) is filled in by the database when a row
comes without it, as rows written by a server older than 0005 do: such a server may still be
running while an upgrade migrates. Without its day, a row drops out of the date-ordered walks
that lists make."""

from peewee import PostgresqlDatabase

VERSION = 9
NAME = "filter_dates_kept"

TABLES = ("party", "participant", "meeting_topic")
MEETINGS_DAY = 'SELECT "date_first" FROM "meeting" WHERE "id" = NEW."meeting_id"'


def _sqlite(table: str) -> str:
    return (
        f'CREATE TRIGGER "{table}_date_first" AFTER INSERT ON "{table}" '
        f'WHEN NEW."date_first" IS NULL BEGIN '
        f'UPDATE "{table}" SET "date_first" = ({MEETINGS_DAY}) WHERE rowid = NEW.rowid; END'
    )


POSTGRES_FUNCTION = (
    "CREATE FUNCTION filter_date_first() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f'BEGIN IF NEW."date_first" IS NULL THEN NEW."date_first" := ({MEETINGS_DAY}); END IF; '
    "RETURN NEW; END $$"
)


def _postgres(table: str) -> str:
    return (
        f'CREATE TRIGGER "{table}_date_first" BEFORE INSERT ON "{table}" '
        'FOR EACH ROW WHEN (NEW."date_first" IS NULL) EXECUTE FUNCTION filter_date_first()'
    )


def up(database):
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql(POSTGRES_FUNCTION)
        for table in TABLES:
            database.execute_sql(_postgres(table))
        return
    for table in TABLES:
        database.execute_sql(_sqlite(table))
