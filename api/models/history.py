"""What happened to records: deleted meetings' tombstones, the change log and old ids."""

from peewee import (
    AutoField,
    CharField,
    CompositeKey,
    DateTimeField,
    IntegerField,
)

from api.models.base import BaseModel, utcnow


class Tombstone(BaseModel):
    """A deleted meeting: its id is never reused, and reads of it answer 410 Gone."""

    id = CharField(primary_key=True, max_length=100)
    revision = IntegerField()
    deleted_at = DateTimeField(default=utcnow)


class Change(BaseModel):
    """The change log, in commit order: what `/v1/changes` serves to mirrors."""

    seq = AutoField()
    # The id of the record changed: a meeting's, person's or source's, as `type` says (the
    # column is older than people and sources in the log).
    meeting_id = CharField(max_length=100, index=True)
    op = CharField(max_length=8)
    revision = IntegerField()
    at = DateTimeField(default=utcnow)
    type = CharField(max_length=8, default="meeting")  # migration 0010
    # For op `renamed` (migration 0011): the id the record now has; the old one is its alias.
    renamed_to = CharField(max_length=100, null=True)

    class Meta:
        indexes = ((("type", "seq"), False),)


class Alias(BaseModel):
    """An id a meeting, person or source had before it was renamed (migration 0011): reads of
    it redirect to the record, writes to it are refused naming the new id."""

    kind = CharField(max_length=8)
    id = CharField(max_length=100)
    target = CharField(max_length=100)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        primary_key = CompositeKey("kind", "id")
        indexes = ((("kind", "target"), False),)
