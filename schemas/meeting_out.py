"""The meeting record as the API sends it out."""

from marshmallow import Schema, fields, validate

from .evidence import Evidence
from .meeting import (
    DATE_BASES,
    FORMATS,
    POINT_KINDS,
    PRECISIONS,
    SHOWN_RELATIONS,
    SIDES,
    STATUSES,
    TYPES,
)
from .source import SourceRef


class CountryRef(Schema):
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2", "example": "JP"})
    name = fields.String(metadata={"example": "Japan"})


class PersonRef(Schema):
    id = fields.String(metadata={"example": "yoko-kamikawa"})
    name = fields.String(metadata={"example": "Yoko Kamikawa"})


class Location(Schema):
    venue = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})


class Participant(Schema):
    person = fields.Nested(PersonRef)
    country = fields.String(
        metadata={"description": "ISO 3166-1 alpha-2 of the side they represent"}
    )
    title = fields.String(metadata={"description": "their role at the time of the meeting"})
    side = fields.String(allow_none=True, validate=validate.OneOf(SIDES))


class AgreedPoint(Schema):
    position = fields.Integer()
    kind = fields.String(validate=validate.OneOf(POINT_KINDS))
    text = fields.String()
    topics = fields.List(fields.String())
    quote = fields.String(metadata={"description": "verbatim passage of the source backing it"})


class Discussed(Schema):
    position = fields.Integer()
    text = fields.String()
    topics = fields.List(fields.String())
    quote = fields.String(allow_none=True)


class Related(Schema):
    id = fields.String()
    relation = fields.String(validate=validate.OneOf(SHOWN_RELATIONS))


class Meeting(Schema):
    id = fields.String(metadata={"example": "2024-09-06-jp-kr-summit"})
    title = fields.String()
    summary = fields.String()
    type = fields.String(validate=validate.OneOf(TYPES))
    format = fields.String(validate=validate.OneOf(FORMATS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    date = fields.String(metadata={"description": "YYYY-MM-DD, YYYY-MM or YYYY"})
    date_precision = fields.String(validate=validate.OneOf(PRECISIONS))
    date_basis = fields.String(validate=validate.OneOf(DATE_BASES))
    date_note = fields.String(allow_none=True)
    start_time = fields.String(allow_none=True, metadata={"description": "local HH:MM"})
    timezone = fields.String(allow_none=True, metadata={"description": "IANA zone"})
    starts_at = fields.String(
        allow_none=True, metadata={"description": "UTC instant", "format": "date-time"}
    )
    duration_minutes = fields.Integer(allow_none=True)
    duration_approximate = fields.Boolean()
    location = fields.Nested(Location, allow_none=True)
    occasion = fields.String(allow_none=True)
    parties = fields.List(fields.Nested(CountryRef))
    participants = fields.List(fields.Nested(Participant))
    agreed_points = fields.List(fields.Nested(AgreedPoint))
    discussed = fields.List(fields.Nested(Discussed))
    topics = fields.List(fields.String())
    sources = fields.List(fields.Nested(SourceRef))
    related = fields.List(fields.Nested(Related))
    evidence = fields.List(fields.Nested(Evidence))
    aliases = fields.List(
        fields.String(), metadata={"description": "its earlier ids, which redirect here"}
    )
    created_at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})
    updated_at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})
    revision = fields.Integer()


class MatchEvidence(Schema):
    source = fields.String(metadata={"description": "the source whose article holds the quote"})
    start = fields.Integer(metadata={"description": "where the quote starts in the article"})
    end = fields.Integer(metadata={"description": "where it ends"})
    offsets = fields.List(
        fields.List(fields.Integer()),
        metadata={"description": "[start, end] of each marked word in the article"},
    )


class Match(Schema):
    field = fields.String(
        metadata={
            "description": "JSON Pointer to the field that matched",
            "example": "/agreed_points/0/quote",
        }
    )
    snippet = fields.String(
        metadata={
            "description": "the field's text, or up to 160 characters of it around its first "
            "match (cut at words, `…` where cut), each matched word in `<mark>…</mark>`",
            "example": "…work together when <mark>evacuating</mark> their citizens…",
        }
    )
    offsets = fields.List(
        fields.List(fields.Integer()),
        metadata={"description": "[start, end] of each matched word in the field's whole text"},
    )
    evidence = fields.Nested(
        MatchEvidence,
        metadata={"description": "for a quote: where it stands in its article, word for word"},
    )


class MeetingFound(Meeting):
    """A meeting in a list, and with `q` where it matched."""

    matches = fields.List(
        fields.Nested(Match),
        metadata={
            "description": "with `q` only: the fields holding the words asked for (stemmed, "
            "not those left out), in the record's order"
        },
    )
