"""Push: webhook subscriptions, where each one's deliveries stand, and the log of attempts."""

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    DateTimeField,
    IntegerField,
    TextField,
)

from api.models.base import BaseModel, JSONList, utcnow


class Webhook(BaseModel):
    """A subscription: where to POST which events of the change log, and how far it has got.

    The change log is the outbox: `cursor` is the `seq` of the last change handled (delivered
    or passed over by the filter), so a worker resumes from it after any restart. A worker
    works on a subscription under a lease (`lease_owner` until `lease_until`), so that any
    number of workers share the subscriptions without delivering one event twice, and a
    killed worker's subscription passes to another when its lease runs out."""

    id = CharField(primary_key=True, max_length=40)
    url = CharField(max_length=2000)
    description = TextField(null=True)
    events = JSONList()
    # The list filters, as the meetings list takes them: {"country": ["JP"], "type": "summit"}.
    filters = TextField(default="{}")
    # The signing secrets, encrypted with the server's key (see `services.webhook_secrets`).
    secret = TextField()
    previous_secret = TextField(null=True)
    previous_secret_until = DateTimeField(null=True)
    revision = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    cursor = IntegerField(default=0)
    # The change being retried: how many attempts it has had, and when the next is due.
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    failing_since = DateTimeField(null=True)
    disabled_at = DateTimeField(null=True)
    disabled_reason = TextField(null=True)
    lease_owner = CharField(max_length=64, null=True)
    lease_until = DateTimeField(null=True)


class WebhookDelivery(BaseModel):
    """One attempt to deliver one change to one subscription."""

    id = AutoField()
    webhook_id = CharField(max_length=40)
    seq = IntegerField()
    event_type = CharField(max_length=32)
    record_id = CharField(max_length=100)
    message_id = CharField(max_length=64)
    attempt = IntegerField()
    at = DateTimeField(default=utcnow)
    succeeded = BooleanField()
    status_code = IntegerField(null=True)
    latency_ms = IntegerField(null=True)
    error = TextField(null=True)
    redelivery = BooleanField(default=False)

    class Meta:
        indexes = ((("webhook_id", "id"), False),)


class WebhookMeeting(BaseModel):
    """A meeting a filtered subscription has been sent: its deletion is sent there too, though
    a deleted meeting can no longer be matched against the filter."""

    webhook_id = CharField(max_length=40)
    meeting_id = CharField(max_length=100)

    class Meta:
        primary_key = CompositeKey("webhook_id", "meeting_id")
