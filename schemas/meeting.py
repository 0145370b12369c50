"""The meeting record as clients and seed files send it in (`meeting_out` has what the API
sends out)."""

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from .evidence import EvidenceIn, problems
from .fields import (
    ID_STRING,
    CountryCode,
    IdOrObject,
    JsonBoolean,
    JsonInteger,
    PartialDateField,
    Whole,
    lookup_country,
    sized_text,
    slug,
    topic,
)
from .localtime import TIME_PATTERN, SkippedTime, is_zone, starts_at
from .meeting_rules import DESCRIPTION, JSON_SCHEMA, POSITION
from .person import PersonRefIn
from .source import SourceRefIn

TYPES = ("summit", "foreign_ministers", "senior_officials", "multilateral_summit", "other")
FORMATS = ("in_person", "phone", "video", "hybrid")
STATUSES = ("scheduled", "held", "postponed", "cancelled")
PRECISIONS = ("day", "month", "year")
DATE_BASES = ("reported", "inferred")
SIDES = ("host", "guest")
POINT_KINDS = ("agreement", "commitment", "shared_view", "signed_document")
# What a record may say of another; the inverse of each is shown on the other record.
RELATIONS = ("previous", "same_occasion", "follow_up", "parent")
INVERSE_RELATIONS = {
    "previous": "follow_up",
    "follow_up": "previous",
    "same_occasion": "same_occasion",
    "parent": "child",
}
SHOWN_RELATIONS = (*RELATIONS, "child")


# Text that says something: more than white space.


def _text(max_len: int, **kwargs):
    return fields.String(validate=sized_text(max_len), **kwargs)


def _topics(**kwargs):
    tag = fields.String(
        validate=topic,
        metadata={"example": "north-korea"},
    )
    return fields.List(tag, load_default=list, **kwargs)


SERVER_OWNED = ("created_at", "updated_at", "revision")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


_COUNTRY_CODE = CountryCode()


# A party as the spec describes it: a code, or the object a GET shows.
PARTY_CODE = {"$ref": "#/components/schemas/CountryCode"}
PARTY_OBJECT = {
    "type": "object",
    "properties": {"country": PARTY_CODE, "name": {"type": "string"}},
    "required": ["country"],
    "additionalProperties": False,
}


class PartyField(fields.Field):
    """A party as an alpha-2 code, or as the `{country, name}` object the API shows."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            extra = set(value) - {"country", "name"}
            if extra or "country" not in value:
                raise ValidationError("Expected a country code or {country, name}.")
            code = _COUNTRY_CODE.deserialize(value["country"], attr, data, **kwargs)
            name = lookup_country(code).name  # refused where it says otherwise, not replaced
            if value.get("name", name) != name:
                raise ValidationError(f"The name of {code} is {name!r}: leave it out, or as shown.")
            return code
        return _COUNTRY_CODE.deserialize(value, attr, data, **kwargs)


class LocationIn(_Strict):
    venue = _text(200, allow_none=True, load_default=None)
    city = _text(100, allow_none=True, load_default=None)
    region = _text(100, allow_none=True, load_default=None)
    country = CountryCode(required=True)


class ParticipantIn(_Strict):
    person = IdOrObject(
        PersonRefIn,
        required=True,
        metadata={
            "description": "a person's id, or the person: new, or as stored",
            "oneOf": [
                ID_STRING,
                {"$ref": "#/components/schemas/PersonRefIn"},
            ],
        },
    )
    country = CountryCode(required=True)
    title = _text(200, required=True, metadata={"description": "role at the time"})
    side = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(SIDES))


class AgreedPointIn(_Strict):
    position = JsonInteger(metadata=POSITION)
    kind = fields.String(required=True, validate=validate.OneOf(POINT_KINDS))
    text = _text(2000, required=True)
    topics = _topics()
    quote = _text(1000, required=True, metadata={"description": "verbatim from the source"})


class DiscussedIn(_Strict):
    position = JsonInteger(metadata=POSITION)
    text = _text(2000, required=True)
    topics = _topics()
    quote = _text(1000, allow_none=True, load_default=None)


class RelatedIn(_Strict):
    id = fields.String(required=True, validate=slug)
    relation = fields.String(
        required=True,
        validate=validate.OneOf(SHOWN_RELATIONS),
        metadata={
            "description": "`child` only as a GET shows it, the inverse of the other record's "
            "`parent` link; a link the other record states already is not stored twice"
        },
    )


# Paths under /v1/meetings/ that are not a meeting's.
RESERVED_IDS = ("facets",)


def not_reserved(value: str) -> None:
    if value in RESERVED_IDS:
        raise ValidationError(f"{value!r} names another resource (/v1/meetings/{value}).")


# A participant is one entry: the same person in the same role twice is a duplicate.
PEOPLE = (("participants", ("person", "country", "title", "side")),)


def _entry(value, key):
    """What makes an entry of a list the same entry: the value, its `key`, or its `key`s."""
    if isinstance(key, tuple):
        return tuple(_entry(value.get(k), "id") for k in key)
    return value[key] if key and isinstance(value, dict) else value


class MeetingIn(_Strict):
    """A meeting as a seed file (and a client) states it; server-owned fields excluded."""

    STATES_ALIASES = False  # a client's are ignored; a seed file's rename the meeting
    # What the spec states beyond the fields (see `api.http.openapi.Rules`).
    JSON_SCHEMA = {**JSON_SCHEMA, "description": DESCRIPTION}

    id = fields.String(required=True, validate=[*slug, not_reserved])
    title = _text(300, required=True)
    summary = _text(2000, required=True)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    date = PartialDateField(required=True)
    date_precision = fields.String(required=True, validate=validate.OneOf(PRECISIONS))
    date_basis = fields.String(required=True, validate=validate.OneOf(DATE_BASES))
    date_note = _text(1000, allow_none=True, load_default=None)
    start_time = fields.String(allow_none=True, load_default=None, validate=Whole(TIME_PATTERN))
    timezone = fields.String(allow_none=True, load_default=None, validate=is_zone)
    duration_minutes = JsonInteger(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1, max=60 * 24 * 14),
    )
    duration_approximate = JsonBoolean(load_default=False)
    location = fields.Nested(LocationIn, allow_none=True, load_default=None)
    occasion = _text(300, allow_none=True, load_default=None)
    parties = fields.List(
        PartyField(metadata={"oneOf": [PARTY_CODE, {"$ref": "#/components/schemas/PartyIn"}]}),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "alpha-2 codes (or the `{country, name}` objects a GET shows)",
            "uniqueItems": True,
        },
    )
    participants = fields.List(fields.Nested(ParticipantIn), load_default=list)
    agreed_points = fields.List(fields.Nested(AgreedPointIn), load_default=list)
    discussed = fields.List(fields.Nested(DiscussedIn), load_default=list)
    topics = _topics()
    sources = fields.List(
        IdOrObject(
            SourceRefIn,
            metadata={
                "oneOf": [
                    ID_STRING,
                    {"$ref": "#/components/schemas/SourceRefIn"},
                ]
            },
        ),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "source ids, or sources: new, or as stored", "uniqueItems": True},
    )
    related = fields.List(fields.Nested(RelatedIn), load_default=list)
    evidence = fields.List(
        fields.Nested(EvidenceIn),
        metadata={"description": "where each fact stands in its sources (see `Evidence`)"},
    )
    aliases = fields.List(
        fields.String(),
        metadata={
            "description": "as a GET shows them, and ignored: only renames make aliases",
            "readOnly": True,
        },
    )

    @pre_load
    def _refuse_server_owned(self, data, **kwargs):
        if isinstance(data, dict):
            owned = [name for name in SERVER_OWNED if name in data and name not in self.fields]
            if owned:
                raise ValidationError(
                    {n: ["Set by the server; it cannot be written."] for n in owned}
                )
        return data

    @validates_schema
    def _consistent(self, data, **kwargs):
        errors: dict[str, list[str]] = {}

        def fail(field, message):
            errors.setdefault(field, []).append(message)

        date = data.get("date")
        if date and data.get("date_precision") and date.precision != data["date_precision"]:
            fail("date_precision", f"{date.text!r} has {date.precision} precision.")
        if data.get("date_basis") == "inferred" and not data.get("date_note"):
            fail("date_note", "An inferred date needs a note saying how it was worked out.")
        if data.get("start_time"):
            if not data.get("timezone"):
                fail("timezone", "A start time needs the IANA time zone of the place.")
            if date and date.precision != "day":
                fail("start_time", "A start time needs a date of day precision.")
            try:
                if date:
                    starts_at(date, data["start_time"], data.get("timezone"))
            except OverflowError:
                fail("start_time", "In this time zone it falls outside the years 1 to 9999 UTC.")
            except SkippedTime as exc:
                fail("start_time", str(exc))
        if data.get("format") == "phone" and data.get("location"):
            fail("location", "A phone call has no location.")
        for kind in ("agreed_points", "discussed"):
            for i, point in enumerate(data.get(kind, []), 1):
                position = point.pop("position", i)
                if position != i:
                    fail(kind, f"Entry {i} has position {position}; positions follow the list.")
        for field, key in (("parties", None), ("related", "id"), ("sources", "id"), *PEOPLE):
            values = [_entry(v, key) for v in data.get(field, [])]
            if len(values) != len(set(values)):
                fail(field, "Each entry may appear only once.")
        if cited := [_entry(source, "id") for source in data.get("sources", [])]:
            # (A seed file's meeting naming none rests on the file's: `seedfile` checks it.)
            for message in problems(data, cited, pointers=False).get("evidence", []):
                fail("evidence", message)
        parties = set(data.get("parties", []))
        for i, participant in enumerate(data.get("participants", []), 1):
            if participant["country"] not in parties:
                fail("participants", f"Participant {i}'s country is not among the parties.")
        if any(r["id"] == data.get("id") for r in data.get("related", [])):
            fail("related", "A meeting cannot be related to itself.")
        if not self.STATES_ALIASES:
            data.pop("aliases", None)
        if errors:
            raise ValidationError(errors)
