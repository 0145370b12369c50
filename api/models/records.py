"""The records: meetings, the rows they are made of, and the people and sources they show."""

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from api.models.base import BaseModel, JSONList, utcnow


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
    # Migration 0014: the terms on which the records quote it.
    rights = TextField(null=True)
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
    # The words `q` searches (`store.meeting_rows.search_columns`): the title and topics, which
    # weigh more, and the rest.
    search_title = TextField(null=True)
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
