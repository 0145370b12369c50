"""A source says the terms on which the records quote it (`rights`)."""

VERSION = 14
NAME = "source_rights"


def up(database):
    # Tables made from the models before migrations were recorded may have the column already.
    if "rights" not in {c.name for c in database.get_columns("source")}:
        database.execute_sql('ALTER TABLE "source" ADD COLUMN "rights" TEXT')
