"""The first schema: meetings and everything they show, as the read API v1 shipped it.

The models are frozen copies: later changes to api/models.py must not change what this step
creates.
"""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

VERSION = 1
NAME = "initial"


def up(database):
    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Person(Base):
        id = CharField(primary_key=True, max_length=100)
        name = CharField(max_length=200)
        given_name = CharField(max_length=200, null=True)
        family_name = CharField(max_length=200, null=True)
        country = CharField(max_length=2, index=True)

    class Source(Base):
        id = CharField(primary_key=True, max_length=100)
        publisher = CharField(max_length=200, null=True)
        title = CharField(max_length=500, null=True)
        url = TextField(null=True)
        published_at = CharField(max_length=20, null=True)
        seed_file = CharField(max_length=200, null=True)
        sha256 = CharField(max_length=64, null=True)

    class Meeting(Base):
        id = CharField(primary_key=True, max_length=100)
        title = CharField(max_length=300)
        summary = TextField()
        type = CharField(max_length=32, index=True)
        format = CharField(max_length=16, index=True)
        status = CharField(max_length=16, index=True)
        date = CharField(max_length=10)
        date_precision = CharField(max_length=5)
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
        location_country = CharField(max_length=2, null=True, index=True)
        occasion = CharField(max_length=300, null=True)
        search_text = TextField()
        content_hash = CharField(max_length=64)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        revision = IntegerField(default=1)

        class Meta:
            indexes = ((("date_first", "id"), False),)

    def child(name, **fields):
        return type(
            name,
            (Base,),
            {
                "meeting": ForeignKeyField(Meeting, on_delete="CASCADE", backref=f"{name}_rows"),
                **fields,
            },
        )

    Party = child(
        "Party",
        country=CharField(max_length=2),
        position=SmallIntegerField(),
        Meta=type(
            "Meta",
            (),
            {"indexes": ((("meeting", "country"), True), (("country", "meeting"), False))},
        ),
    )
    Participant = child(
        "Participant",
        person=ForeignKeyField(Person, on_delete="RESTRICT", backref="participations"),
        country=CharField(max_length=2),
        title=CharField(max_length=200),
        side=CharField(max_length=8, null=True),
        position=SmallIntegerField(),
        Meta=type(
            "Meta",
            (),
            {"indexes": ((("meeting", "position"), True), (("person", "meeting"), False))},
        ),
    )
    AgreedPoint = child(
        "AgreedPoint",
        position=SmallIntegerField(),
        kind=CharField(max_length=20),
        text=TextField(),
        topics=TextField(),
        quote=TextField(),
        Meta=type("Meta", (), {"indexes": ((("meeting", "position"), True),)}),
    )
    Discussed = child(
        "Discussed",
        position=SmallIntegerField(),
        text=TextField(),
        topics=TextField(),
        quote=TextField(null=True),
        Meta=type("Meta", (), {"indexes": ((("meeting", "position"), True),)}),
    )
    MeetingTopic = child(
        "MeetingTopic",
        topic=CharField(max_length=60),
        Meta=type(
            "Meta", (), {"indexes": ((("meeting", "topic"), True), (("topic", "meeting"), False))}
        ),
    )
    MeetingSource = child(
        "MeetingSource",
        source=ForeignKeyField(Source, on_delete="RESTRICT", backref="meeting_rows"),
        position=SmallIntegerField(),
        Meta=type(
            "Meta", (), {"indexes": ((("meeting", "source"), True), (("source", "meeting"), False))}
        ),
    )

    class Relation(Base):
        meeting = ForeignKeyField(Meeting, on_delete="CASCADE", backref="relations_out")
        other = ForeignKeyField(Meeting, on_delete="CASCADE", backref="relations_in")
        relation = CharField(max_length=16)
        position = SmallIntegerField()

        class Meta:
            indexes = ((("meeting", "other"), True), (("other", "meeting"), False))

    models = [
        Person,
        Source,
        Meeting,
        Party,
        Participant,
        AgreedPoint,
        Discussed,
        MeetingTopic,
        MeetingSource,
        Relation,
    ]
    with database.bind_ctx(models):
        database.create_tables(models)
