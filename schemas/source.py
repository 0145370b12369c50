"""Sources: the articles that back the records."""

import datetime as dt
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .fields import SENT_BACK, URL_ID, JsonInteger, Whole, sized_text, slug

ARTICLE_FIELDS = ("seed_file", "sha256")
# A UTC instant to the second (`Z`, or `+00:00` as many clients write it), or a date where the
# source shows no time: how the spec says so, and what `InstantOrDate` takes. Every such field
# is nullable.
_INSTANT = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|\\+00:00)$"
_DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INSTANT_OR_DATE = {
    "anyOf": [
        # The date first: a client that tries each in turn would read a date as midnight.
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time", "pattern": _INSTANT},
        {"type": "null"},
    ]
}
_FORMS = ((re.compile(_INSTANT), "%Y-%m-%dT%H:%M:%S%z"), (re.compile(_DAY), "%Y-%m-%d"))


class InstantOrDate(fields.String):
    """`INSTANT_OR_DATE`, loaded as the API writes it: an instant ends in `Z`."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        for pattern, form in _FORMS:
            try:
                if pattern.fullmatch(text):
                    dt.datetime.strptime(text, form)
                    return text.replace("+00:00", "Z")
            except ValueError:
                break
        raise ValidationError(
            "Expected a UTC instant (YYYY-MM-DDTHH:MM:SSZ) or a date (YYYY-MM-DD)."
        )


# An http(s) URL with a domain name; its path and query in printable ASCII (percent-encoded).
URL_PATTERN = (
    r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(:[0-9]{1,5})?([/?#][!-~]*)?$"
)
_url = [validate.Length(max=2000), Whole(URL_PATTERN)]
_publisher = sized_text(200)
_title = sized_text(500)
KINDS = ("news_report", "official_statement", "forum_post", "other")
_KIND = "what it is: `news_report`, `official_statement`, `forum_post` or `other`"
_kind = validate.OneOf(KINDS)
_seed_file = Whole(r"^[A-Za-z0-9_.-]{1,200}$")
_sha256 = Whole(r"^[0-9a-f]{64}$")
_HEADLINE = "the headline, or null where the article shows none"
_ARTICLE = "the seeded article's; never written through the API"
_RIGHTS = (
    "the terms on which the records quote the source: who holds its rights, and the basis "
    "on which short passages of it are reproduced"
)
_rights = sized_text(1000)


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
    url = fields.String(allow_none=True, load_default=None, validate=_url)
    published_at = InstantOrDate(allow_none=True, load_default=None, metadata=INSTANT_OR_DATE)
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
    url = fields.String(allow_none=True, validate=_url)
    published_at = InstantOrDate(allow_none=True, metadata=INSTANT_OR_DATE)
    seed_file = fields.String(allow_none=True, validate=_seed_file)
    sha256 = fields.String(allow_none=True, validate=_sha256)
    rights = fields.String(allow_none=True, validate=_rights, metadata={"description": _RIGHTS})


class SentBack(Schema):
    """What a GET of a person or a source shows that the server keeps, which a PUT may send
    back as it was shown: the URL's id, the meetings, the instants and the revision."""

    id = fields.String(validate=slug, metadata=URL_ID)
    meeting_count = JsonInteger(metadata=SENT_BACK)
    meetings = fields.List(fields.Raw(), metadata=SENT_BACK)
    aliases = fields.List(fields.String(), metadata=SENT_BACK)
    created_at = fields.String(metadata={**SENT_BACK, "format": "date-time"})
    updated_at = fields.String(metadata={**SENT_BACK, "format": "date-time"})
    revision = JsonInteger(metadata=SENT_BACK)


class SourceReplace(SentBack, SourceIn):
    """A source as a PUT sends it, which may be the record exactly as a GET returned it: the
    fields the server keeps, and the seeded article's, are then compared with the stored ones,
    not written."""

    seed_file = fields.String(allow_none=True, metadata={"description": _ARTICLE, "readOnly": True})
    sha256 = fields.String(allow_none=True, metadata={"description": _ARTICLE, "readOnly": True})


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
