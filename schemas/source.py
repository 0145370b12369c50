"""Sources: the articles that back the records."""

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .fields import Whole, slug


def _instant_or_date(value: str) -> bool:
    for form in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            dt.datetime.strptime(value, form)
            return True
        except ValueError:
            continue
    raise ValidationError("Expected a UTC instant (YYYY-MM-DDTHH:MM:SSZ) or a date (YYYY-MM-DD).")


class SourceIn(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=slug)
    publisher = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    title = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "the headline, or null where the article shows none"},
    )
    url = fields.Url(allow_none=True, load_default=None, schemes={"http", "https"})
    published_at = fields.String(allow_none=True, load_default=None, validate=_instant_or_date)
    seed_file = fields.String(
        allow_none=True, load_default=None, validate=Whole(r"^[\w.-]{1,200}$")
    )
    sha256 = fields.String(allow_none=True, load_default=None, validate=Whole(r"^[0-9a-f]{64}$"))


class SourceRef(Schema):
    id = fields.String()
    publisher = fields.String(allow_none=True)
    title = fields.String(
        allow_none=True, metadata={"description": "headline, if the source shows one"}
    )
    url = fields.String(allow_none=True)
    published_at = fields.String(
        allow_none=True,
        metadata={"description": "UTC instant, or the date alone when the source shows no time"},
    )
    seed_file = fields.String(allow_none=True)


class MeetingBrief(Schema):
    id = fields.String()
    title = fields.String()
    date = fields.String()
    date_precision = fields.String()


class Source(SourceRef):
    sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the article text"})
    meeting_count = fields.Integer()


class SourceDetail(Source):
    meetings = fields.List(fields.Nested(MeetingBrief))
