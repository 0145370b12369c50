"""The filter tables carry their meeting's first day, so a list filtered by a country, person
or topic walks that value's rows in date order (one index range) instead of walking every
meeting and checking each."""

from peewee import DateField
from playhouse.migrate import SchemaMigrator, migrate

VERSION = 5
NAME = "filter_dates"

# table: (the filter's column, the index it replaces)
TABLES = {
    "party": ("country", "party_country_meeting_id"),
    "participant": ("person_id", "participant_person_id_meeting_id"),
    "meeting_topic": ("topic", "meeting_topic_topic_meeting_id"),
}


def up(database):
    migrator = SchemaMigrator.from_database(database)
    for table, (column, old_index) in TABLES.items():
        migrate(migrator.add_column(table, "date_first", DateField(null=True)))
        database.execute_sql(
            f'UPDATE "{table}" SET "date_first" = (SELECT "date_first" FROM "meeting" '
            f'WHERE "meeting"."id" = "{table}"."meeting_id")'
        )
        migrate(
            migrator.drop_index(table, old_index),
            migrator.add_index(table, (column, "date_first", "meeting_id"), False),
        )
