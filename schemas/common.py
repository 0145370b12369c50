"""Envelopes, query arguments and the problem document shared by every resource."""

import datetime as dt

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from .fields import CountryCode, PartialDateField, QueryInteger, slug, topic
from .meeting import FORMATS, STATUSES, TYPES
from .meeting_out import Meeting, MeetingFound
from .selection import FieldSelection

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class Links(Schema):
    self = fields.String(metadata={"description": "this page"})
    next = fields.String(allow_none=True, metadata={"description": "the next page, or null"})
    prev = fields.String(allow_none=True, metadata={"description": "the previous page, or null"})


class Meta(Schema):
    total = fields.Integer(metadata={"description": "records matching the query, all pages"})


def envelope(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list document `{data, links, meta}` of the given item schema."""
    return Schema.from_dict(
        {
            "data": fields.List(fields.Nested(item_schema)),
            "links": fields.Nested(Links),
            "meta": fields.Nested(Meta),
        },
        name=name,
    )


class PageArgs(Schema):
    class Meta:
        # Unknown query parameters are ignored, per the API's conventions.
        unknown = EXCLUDE

    limit = QueryInteger(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"page size, 1 to {MAX_LIMIT}"},
    )
    cursor = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "opaque cursor from a previous page's `next` or `prev` link"},
    )


# The most values a repeatable filter takes: a URL of them all stays well under the URL limit.
REPEATS = 20


def _in_utc(instant: dt.datetime) -> bool:
    """Whether the instant is one UTC can name: 0001-01-01T00:00+14:00 is a day too early."""
    try:
        instant.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError("This instant is outside the years 1 to 9999 in UTC.") from None
    return True


class MeetingFilters(Schema):
    """The meetings list's filters: every one given must match."""

    class Meta:
        unknown = EXCLUDE

    country = fields.List(
        CountryCode(),
        validate=validate.Length(max=REPEATS),
        metadata={
            "description": "a state taking part; repeat to require several (all must take part)"
        },
    )
    person = fields.String(validate=slug, metadata={"description": "a participant's person id"})
    date_from = PartialDateField(
        data_key="from",
        metadata={
            "description": "meetings on or after this date (YYYY, YYYY-MM or YYYY-MM-DD; "
            "a partial date matches the range it covers)"
        },
    )
    date_to = PartialDateField(
        data_key="to",
        metadata={
            "description": "meetings on or before this date (inclusive, partial dates allowed)"
        },
    )
    type = fields.String(validate=validate.OneOf(TYPES))
    format = fields.String(validate=validate.OneOf(FORMATS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    location_country = CountryCode(metadata={"description": "country where the meeting was held"})
    topic = fields.List(
        fields.String(validate=topic),
        validate=validate.Length(max=REPEATS),
        metadata={"description": "a topic tag; repeat to require several (all must be held)"},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "words to find, stemmed (`evacuation` finds `evacuating`), in "
            "titles, topics, summaries, points, quotes, people's names and titles, places, "
            "occasions and sources. As web search engines read them: words are ANDed, "
            '`"a phrase"`, `OR`, `-word` leaves out; nothing is an error. See the README.',
            "example": '"emergency evacuation" OR evacuating -china',
        },
    )
    updated_since = fields.AwareDateTime(
        default_timezone=dt.UTC,
        validate=_in_utc,
        metadata={"description": "meetings changed at or after this instant (ISO 8601)"},
    )

    @validates_schema
    def _range(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start.first_day > end.last_day:
            raise ValidationError("`from` is after `to`.", field_name="from")


class MeetingArgs(PageArgs, MeetingFilters):
    sort = fields.String(
        validate=validate.OneOf(["relevance", "date", "-date"]),
        metadata={
            "description": "`relevance` (best match first; only with `q`, and its default), "
            "`date` (oldest first) or `-date` (newest first; the default without `q`). "
            "Meetings of one day come by id; of one score, newest first, then by id"
        },
    )

    selected = FieldSelection(MeetingFound, data_key="fields")

    @validates_schema
    def _relevance(self, data, **kwargs):
        if data.get("sort") == "relevance" and "q" not in data:
            raise ValidationError("`relevance` orders the matches of `q`: give `q`.", "sort")

    @post_load
    def _default_sort(self, data, **kwargs):
        data.setdefault("sort", "relevance" if "q" in data else "-date")
        return data


MeetingList = envelope(MeetingFound, "MeetingList")


class FacetValue(Schema):
    value = fields.String(metadata={"example": "summit"})
    count = fields.Integer(metadata={"description": "meetings of the list with this value"})
    url = fields.String(metadata={"description": "the list of those meetings"})


class Facets(Schema):
    """How many meetings of the filtered list have each value of each facet."""

    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetValue)),
        metadata={
            "description": "by facet (`year`, `type`, `format`, `status`, `country` for the "
            "parties, `location_country`, `topic`): its values, most meetings first (years "
            "newest first)"
        },
    )
    meta = fields.Nested(Meta)


class ItemArgs(Schema):
    """What a single meeting's GET takes."""

    class Meta:
        unknown = EXCLUDE

    selected = FieldSelection(Meeting, data_key="fields")


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Unprocessable Content"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String(metadata={"example": "Invalid query parameter: limit."})
    instance = fields.String(metadata={"example": "/v1/meetings?limit=0"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "field-level messages, by parameter or field name"},
    )


class Renamed(Schema):
    """Where a record named by an old id now is: a read of the old id is a 308 to it."""

    id = fields.String(metadata={"description": "the record's id now"})
    renamed_from = fields.String(metadata={"description": "the old id the request named"})
    location = fields.String(metadata={"description": "its URL, as in `Location`"})
