"""Sources: the articles that back the records."""

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .fields import Whole, slug

SENT_BACK = "what a GET shows may be sent back: equal to the stored value, it is ignored"
ARTICLE_FIELDS = ("seed_file", "sha256")
# A date-time, or a date where the source shows no time: how the spec says so.
INSTANT_OR_DATE = {"anyOf": [{"format": "date-time"}, {"format": "date"}]}


def _instant_or_date(value: str) -> bool:
    for form in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            dt.datetime.strptime(value, form)
            return True
        except ValueError:
            continue
    raise ValidationError("Expected a UTC instant (YYYY-MM-DDTHH:MM:SSZ) or a date (YYYY-MM-DD).")


_publisher = validate.Length(max=200)
_title = validate.Length(min=1, max=500)
KINDS = ("news_report", "official_statement", "forum_post", "other")
_KIND = "what it is: `news_report`, `official_statement`, `forum_post` or `other`"
_kind = validate.OneOf(KINDS)
_seed_file = Whole(r"^[\w.-]{1,200}$")
_sha256 = Whole(r"^[0-9a-f]{64}$")
_HEADLINE = "the headline, or null where the article shows none"
_ARTICLE = "the seeded article's; never written through the API"
_RIGHTS = (
    "the terms on which the records quote the source: who holds its rights, and the basis "
    "on which short passages of it are reproduced"
)
_rights = validate.Length(min=1, max=1000)


class SourceIn(Schema):
    """A source's own record, as a seed file states it."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=slug)
    publisher = fields.String(allow_none=True, load_default=None, validate=_publisher)
    title = fields.String(
        allow_none=True, load_default=None, validate=_title, metadata={"description": _HEADLINE}
    )
    kind = fields.String(
        allow_none=True, load_default=None, validate=_kind, metadata={"description": _KIND}
    )
    url = fields.Url(allow_none=True, load_default=None, schemes={"http", "https"})
    published_at = fields.String(
        allow_none=True, load_default=None, validate=_instant_or_date, metadata=INSTANT_OR_DATE
    )
    seed_file = fields.String(allow_none=True, load_default=None, validate=_seed_file)
    sha256 = fields.String(allow_none=True, load_default=None, validate=_sha256)
    rights = fields.String(
        allow_none=True, load_default=None, validate=_rights, metadata={"description": _RIGHTS}
    )


class SourceRefIn(Schema):
    """A source as a meeting gives it. Nothing is filled in: the fields given are compared
    with the stored source's (those left out are not), or make a new source."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=slug)
    publisher = fields.String(allow_none=True, validate=_publisher)
    title = fields.String(allow_none=True, validate=_title)
    kind = fields.String(allow_none=True, validate=_kind)
    url = fields.Url(allow_none=True, schemes={"http", "https"})
    published_at = fields.String(
        allow_none=True, validate=_instant_or_date, metadata=INSTANT_OR_DATE
    )
    seed_file = fields.String(allow_none=True, validate=_seed_file)
    sha256 = fields.String(allow_none=True, validate=_sha256)
    rights = fields.String(allow_none=True, validate=_rights, metadata={"description": _RIGHTS})


class SourceReplace(SourceIn):
    """A source as a PUT sends it, which may be the record exactly as a GET returned it: the
    fields the server keeps, and the seeded article's, are then compared with the stored ones,
    not written."""

    id = fields.String(validate=slug, metadata={"description": "the URL's, if given"})
    seed_file = fields.String(allow_none=True, metadata={"description": _ARTICLE})
    sha256 = fields.String(allow_none=True, metadata={"description": _ARTICLE})
    meeting_count = fields.Integer(strict=True, metadata={"description": SENT_BACK})
    meetings = fields.List(fields.Raw(), metadata={"description": SENT_BACK})
    aliases = fields.List(fields.String(), metadata={"description": SENT_BACK})
    created_at = fields.String(metadata={"description": SENT_BACK, "format": "date-time"})
    updated_at = fields.String(metadata={"description": SENT_BACK, "format": "date-time"})
    revision = fields.Integer(strict=True, metadata={"description": SENT_BACK})


class SourceRef(Schema):
    id = fields.String()
    publisher = fields.String(allow_none=True)
    title = fields.String(
        allow_none=True, metadata={"description": "headline, if the source shows one"}
    )
    kind = fields.String(allow_none=True, metadata={"description": _KIND})
    url = fields.String(allow_none=True)
    published_at = fields.String(
        allow_none=True,
        metadata={
            "description": "UTC instant, or the date alone when the source shows no time",
            **INSTANT_OR_DATE,
        },
    )
    seed_file = fields.String(allow_none=True)


class MeetingBrief(Schema):
    id = fields.String()
    title = fields.String()
    date = fields.String()
    date_precision = fields.String()


class Source(SourceRef):
    sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the article text"})
    rights = fields.String(allow_none=True, metadata={"description": _RIGHTS})
    aliases = fields.List(
        fields.String(), metadata={"description": "earlier ids, which redirect here"}
    )
    meeting_count = fields.Integer()
    created_at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})
    updated_at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})
    revision = fields.Integer(metadata={"description": "bumps on every change; the ETag's"})


class SourceDetail(Source):
    meetings = fields.List(fields.Nested(MeetingBrief))
