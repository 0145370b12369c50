"""Each meeting keeps its rendered document, so a read is one query and no rendering."""

from peewee import TextField
from playhouse.migrate import SchemaMigrator, migrate

VERSION = 4
NAME = "documents"


def up(database):
    from ..documents import refresh

    migrate(
        SchemaMigrator.from_database(database).add_column(
            "meeting", "document", TextField(null=True)
        )
    )
    ids = [mid for (mid,) in database.execute_sql('SELECT "id" FROM "meeting"').fetchall()]
    refresh(ids)
