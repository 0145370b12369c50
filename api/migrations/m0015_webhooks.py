"""Push: API keys get scopes, and webhook subscriptions, their deliveries and their log.

- `api_key.scopes`: what a key may do, space-separated; keys made before it are `write` keys.
- `webhook`, `webhook_delivery`, `webhook_meeting`: see `api.models.webhooks`.
"""

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    DateTimeField,
    IntegerField,
    Model,
    TextField,
)

VERSION = 15
NAME = "webhooks"


def up(database):
    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Webhook(Base):
        id = CharField(primary_key=True, max_length=40)
        url = CharField(max_length=2000)
        description = TextField(null=True)
        events = TextField()
        filters = TextField()
        secret = TextField()
        previous_secret = TextField(null=True)
        previous_secret_until = DateTimeField(null=True)
        revision = IntegerField()
        created_at = DateTimeField()
        updated_at = DateTimeField()
        cursor = IntegerField()
        attempts = IntegerField()
        next_attempt_at = DateTimeField(null=True)
        failing_since = DateTimeField(null=True)
        disabled_at = DateTimeField(null=True)
        disabled_reason = TextField(null=True)
        lease_owner = CharField(max_length=64, null=True)
        lease_until = DateTimeField(null=True)

    class WebhookDelivery(Base):
        id = AutoField()
        webhook_id = CharField(max_length=40)
        seq = IntegerField()
        event_type = CharField(max_length=32)
        record_id = CharField(max_length=100)
        message_id = CharField(max_length=64)
        attempt = IntegerField()
        at = DateTimeField()
        succeeded = BooleanField()
        status_code = IntegerField(null=True)
        latency_ms = IntegerField(null=True)
        error = TextField(null=True)
        redelivery = BooleanField()

        class Meta:
            indexes = ((("webhook_id", "id"), False),)

    class WebhookMeeting(Base):
        webhook_id = CharField(max_length=40)
        meeting_id = CharField(max_length=100)

        class Meta:
            primary_key = CompositeKey("webhook_id", "meeting_id")

    models = (Webhook, WebhookDelivery, WebhookMeeting)
    with database.bind_ctx(models):
        database.create_tables(models, safe=True)
    # A database made from today's models has the column already.
    if "scopes" not in {c.name for c in database.get_columns("api_key")}:
        database.execute_sql(
            'ALTER TABLE "api_key" ADD COLUMN "scopes" VARCHAR(100) NOT NULL DEFAULT \'write\''
        )
