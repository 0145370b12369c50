"""Each meeting keeps its rendered document, so a read is one query and no rendering.

This step adds the column only. The documents are rendered by today's code once every step
has run (`migrations.migrate`): rendered here, they would need today's schema before it is
there.
"""

from peewee import TextField
from playhouse.migrate import SchemaMigrator, migrate

VERSION = 4
NAME = "documents"


def up(database):
    migrate(
        SchemaMigrator.from_database(database).add_column(
            "meeting", "document", TextField(null=True)
        )
    )
