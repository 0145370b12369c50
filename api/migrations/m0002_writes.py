"""Writes: API keys, idempotent requests, tombstones, the change log, `updated_since`.

Meetings stored before this step enter the change log as created, so that a mirror following
/v1/changes from the start gets them too.
"""

from peewee import (
    AutoField,
    CharField,
    DateTimeField,
    IntegerField,
    Model,
    TextField,
)
from playhouse.migrate import SchemaMigrator, migrate

VERSION = 2
NAME = "writes"


def up(database):
    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Tombstone(Base):
        id = CharField(primary_key=True, max_length=100)
        revision = IntegerField()
        deleted_at = DateTimeField()

    class Change(Base):
        seq = AutoField()
        meeting_id = CharField(max_length=100, index=True)
        op = CharField(max_length=8)
        revision = IntegerField()
        at = DateTimeField()

    class ApiKey(Base):
        name = CharField(max_length=100, unique=True)
        key_id = CharField(max_length=16, unique=True)
        key_hash = CharField(max_length=64)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

    class IdempotentRequest(Base):
        api_key = CharField(max_length=100)
        key = CharField(max_length=200)
        fingerprint = CharField(max_length=64)
        status = IntegerField()
        headers = TextField()
        body = TextField()
        created_at = DateTimeField()

        class Meta:
            indexes = ((("api_key", "key"), True),)

    models = [Tombstone, Change, ApiKey, IdempotentRequest]
    with database.bind_ctx(models):
        database.create_tables(models)
    migrate(SchemaMigrator.from_database(database).add_index("meeting", ("updated_at",)))
    database.execute_sql(
        'INSERT INTO "change" ("meeting_id", "op", "revision", "at") '
        "SELECT id, 'created', revision, updated_at FROM meeting ORDER BY created_at, id"
    )
