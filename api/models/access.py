"""Who may write: API keys, and the answers kept for retries with an Idempotency-Key."""

from peewee import (
    CharField,
    DateTimeField,
    IntegerField,
    TextField,
)

from api.models.base import BaseModel, utcnow


class ApiKey(BaseModel):
    name = CharField(max_length=100, unique=True)
    key_id = CharField(max_length=16, unique=True)
    # SHA-256 of the whole key: the key itself is shown once and never stored.
    key_hash = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    # What it may do, space-separated (migration 0015): `write`, `admin`.
    scopes = CharField(max_length=100, default="write")


class IdempotentRequest(BaseModel):
    """The first answer to a request sent with an Idempotency-Key, replayed on retries."""

    api_key = CharField(max_length=100)
    key = CharField(max_length=200)
    fingerprint = CharField(max_length=64)
    status = IntegerField()
    headers = TextField()
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("api_key", "key"), True),)
