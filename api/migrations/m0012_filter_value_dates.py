"""Indexes the meeting's own filter columns (`type`, `format`, `status`, `location_country`)
with its first day and id after the value, in place of each column alone: one value's meetings
are then one index range in list order, so a page of them reads a page's worth of rows instead
of every match sorted."""

VERSION = 12
NAME = "filter_value_dates"

COLUMNS = ("type", "format", "status", "location_country")


def up(database):
    for column in COLUMNS:
        database.execute_sql(f'DROP INDEX IF EXISTS "meeting_{column}"')
        database.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "meeting_{column}_date_first_id" '
            f'ON "meeting" ("{column}", "date_first", "id")'
        )
