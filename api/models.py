"""Peewee models: the latest schema. Tables are made by the migrations (`meetings migrate`),
never at import."""

import datetime as dt
import json

import orjson
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from .db import db

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def compact_json_bytes(value) -> bytes:
    """Compact JSON, as UTF-8. orjson writes the same text as the standard library, several
    times faster; what it refuses (an integer over 64 bits) goes to the standard library."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _compact(value).encode()


def compact_json(value) -> str:
    """`compact_json_bytes` as text."""
    return compact_json_bytes(value).decode()


class JSONList(TextField):
    """A short list (of strings, or of evidence objects) kept as JSON text, read whole with
    its row."""

    def db_value(self, value):
        return compact_json(list(value or []))

    def python_value(self, value):
        return json.loads(value) if value else []


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Person(BaseModel):
    id = CharField(primary_key=True, max_length=100)
    name = CharField(max_length=200)
    given_name = CharField(max_length=200, null=True)
    family_name = CharField(max_length=200, null=True)
    sort_name = CharField(max_length=200, null=True)  # migration 0011
    name_order = CharField(max_length=12, null=True)  # migration 0011
    country = CharField(max_length=2, index=True)
    # Migration 0010: a person has its own writes, ETag and changes.
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    revision = IntegerField(default=1)


class Source(BaseModel):
    id = CharField(primary_key=True, max_length=100)
    publisher = CharField(max_length=200, null=True)
    title = CharField(max_length=500, null=True)
    kind = CharField(max_length=20, null=True)  # migration 0011
    url = TextField(null=True)
    published_at = CharField(max_length=20, null=True)
    seed_file = CharField(max_length=200, null=True)
    sha256 = CharField(max_length=64, null=True)
    # Migration 0010: a source has its own writes, ETag and changes.
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    revision = IntegerField(default=1)


# Meeting columns the list filters on by value.
FILTER_COLUMNS = ("type", "format", "status", "location_country")


class Meeting(BaseModel):
    id = CharField(primary_key=True, max_length=100)
    title = CharField(max_length=300)
    summary = TextField()
    type = CharField(max_length=32)
    format = CharField(max_length=16)
    status = CharField(max_length=16)
    date = CharField(max_length=10)
    date_precision = CharField(max_length=5)
    # The first and last day the (possibly partial) date covers: what filters and sorts use.
    date_first = DateField()
    date_last = DateField(index=True)
    date_basis = CharField(max_length=8)
    date_note = TextField(null=True)
    start_time = CharField(max_length=5, null=True)
    timezone = CharField(max_length=64, null=True)
    starts_at = DateTimeField(null=True)
    duration_minutes = IntegerField(null=True)
    duration_approximate = BooleanField(default=False)
    location_venue = CharField(max_length=200, null=True)
    location_city = CharField(max_length=100, null=True)
    location_region = CharField(max_length=100, null=True)
    location_country = CharField(max_length=2, null=True)
    occasion = CharField(max_length=300, null=True)
    # Where each fact stands in its sources, as JSON (migration 0011): see schemas.evidence.
    evidence = JSONList(null=True)
    # Lower-cased title, summary, points, quotes and names, for `q`.
    search_text = TextField()
    # SHA-256 of the record as given, so that loading the same record again changes nothing.
    content_hash = CharField(max_length=64)
    # The record as the API shows it, re-rendered by every write that changes it.
    document = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow, index=True)
    revision = IntegerField(default=1)

    class Meta:
        # Each filter value's meetings in list order (migration 0012).
        indexes = (
            (("date_first", "id"), False),
            *(((column, "date_first", "id"), False) for column in FILTER_COLUMNS),
        )


# A foreign key that leads a composite index is looked up through it: its own index would
# only slow writes down (migration 0008).


class Party(BaseModel):
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="parties", index=False)
    country = CharField(max_length=2)
    position = SmallIntegerField()
    date_first = DateField(null=True)  # the meeting's: see migration 0005

    class Meta:
        indexes = (
            (("meeting", "country"), True),
            (("country", "date_first", "meeting"), False),
        )


class PartyPair(BaseModel):
    """Each ordered pair of a meeting's parties, with the meeting's first day (migration 0007):
    the meetings of two countries are one index range, in date order. Database triggers on
    `party` and `meeting` write these rows; only an import on SQLite writes them itself, with
    the trigger off for its transaction (`sqlite_import.party_pairs_written_here`)."""

    country = CharField(max_length=2)
    other = CharField(max_length=2)
    date_first = DateField()
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="party_pairs")

    class Meta:
        primary_key = CompositeKey("country", "other", "date_first", "meeting")


class Participant(BaseModel):
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="participants", index=False)
    person = ForeignKeyField(Person, on_delete="RESTRICT", backref="participations", index=False)
    country = CharField(max_length=2)
    title = CharField(max_length=200)
    side = CharField(max_length=8, null=True)
    position = SmallIntegerField()
    date_first = DateField(null=True)  # the meeting's: see migration 0005

    class Meta:
        indexes = (
            (("meeting", "position"), True),
            (("person", "date_first", "meeting"), False),
        )


class AgreedPoint(BaseModel):
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="agreed_points", index=False)
    position = SmallIntegerField()
    kind = CharField(max_length=20)
    text = TextField()
    topics = JSONList()
    quote = TextField()

    class Meta:
        indexes = ((("meeting", "position"), True),)


class Discussed(BaseModel):
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="discussed", index=False)
    position = SmallIntegerField()
    text = TextField()
    topics = JSONList()
    quote = TextField(null=True)

    class Meta:
        indexes = ((("meeting", "position"), True),)


class MeetingTopic(BaseModel):
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="topic_rows", index=False)
    topic = CharField(max_length=60)
    date_first = DateField(null=True)  # the meeting's: see migration 0005

    class Meta:
        indexes = (
            (("meeting", "topic"), True),
            (("topic", "date_first", "meeting"), False),
        )


class MeetingSource(BaseModel):
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="source_rows", index=False)
    source = ForeignKeyField(Source, on_delete="RESTRICT", backref="meeting_rows", index=False)
    position = SmallIntegerField()

    class Meta:
        indexes = (
            (("meeting", "source"), True),
            (("source", "meeting"), False),
        )


class Relation(BaseModel):
    """One stated link between two meetings; the other side's inverse is derived on read."""

    meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="relations_out", index=False)
    other = ForeignKeyField(Meeting, on_delete="CASCADE", backref="relations_in", index=False)
    relation = CharField(max_length=16)
    position = SmallIntegerField()

    class Meta:
        indexes = (
            (("meeting", "other"), True),
            (("other", "meeting"), False),
        )


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


class ApiKey(BaseModel):
    name = CharField(max_length=100, unique=True)
    key_id = CharField(max_length=16, unique=True)
    # SHA-256 of the whole key: the key itself is shown once and never stored.
    key_hash = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


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


MODELS = (
    Person,
    Source,
    Meeting,
    Party,
    PartyPair,
    Participant,
    AgreedPoint,
    Discussed,
    MeetingTopic,
    MeetingSource,
    Relation,
    Tombstone,
    Change,
    Alias,
    ApiKey,
    IdempotentRequest,
)
