"""Search reads a meeting's date too: its year, and its month's name where the date gives one
("2024 December"), among the words searched with the summary.

Every stored meeting's search columns are made again: this step empties `search_title`, and
the migration runner fills it with the code of the version it installs, as it did for step
0013. Servers older than this step keep answering `q` meanwhile, without the dates' words."""

VERSION = 17
NAME = "dates_searched"


def up(database):
    database.execute_sql('UPDATE "meeting" SET "search_title" = NULL')
