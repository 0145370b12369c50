"""Webhook subscriptions, their deliveries, and the events they carry."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .common import MeetingFilters
from .fields import URL_ID, JsonBoolean, JsonInteger, Whole

EVENT_TYPES = (
    "meeting.created",
    "meeting.updated",
    "meeting.deleted",
    "meeting.renamed",
    "person.created",
    "person.updated",
    "person.renamed",
    "source.created",
    "source.updated",
    "source.renamed",
)
MEETING_EVENTS = EVENT_TYPES[:4]
# An http(s) URL of a host name or an IP literal, the rest printable ASCII (percent-encoded).
TARGET_PATTERN = (
    r"^https?://([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#][!-~]*)?$"
)
GRACE = 7 * 24 * 3600
_EVENTS = {
    "description": "the changes to send: meetings' by default; people's and sources' "
    "changes are sent whatever the filter",
    "uniqueItems": True,
}
_URL = {
    "description": "where to POST each event: https, and a public address (see the README "
    "on what is refused)",
    "example": "https://example.org/hooks/meetings",
}


def _each_once(events: list) -> None:
    if len(set(events)) < len(events):
        raise ValidationError("Each event type once.")


def _events(**kwargs):
    return fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        validate=[validate.Length(min=1, max=len(EVENT_TYPES)), _each_once],
        metadata=_EVENTS,
        **kwargs,
    )


def _url(**kwargs):
    return fields.String(
        validate=[validate.Length(max=2000), Whole(TARGET_PATTERN)], metadata=_URL, **kwargs
    )


def _description(**kwargs):
    return fields.String(allow_none=True, validate=validate.Length(min=1, max=500), **kwargs)


class SubscriptionFilter(MeetingFilters):
    """The meetings list's filters, as the list takes them: a subscription is sent only the
    meetings they match (and, once sent a meeting, its later changes and its deletion)."""

    class Meta:
        unknown = RAISE
        exclude = ("updated_since",)


class WebhookIn(Schema):
    class Meta:
        unknown = RAISE

    url = _url(required=True)
    description = _description(load_default=None)
    events = _events(load_default=lambda: list(MEETING_EVENTS))
    filter = fields.Nested(SubscriptionFilter, load_default=dict)


class WebhookPatch(Schema):
    """RFC 7396 JSON Merge Patch of a subscription; `enabled: true` starts a disabled one again
    from where it stopped."""

    class Meta:
        unknown = RAISE

    id = fields.String(metadata=URL_ID)
    url = _url()
    description = _description()
    events = _events()
    filter = fields.Nested(SubscriptionFilter, allow_none=True)
    enabled = JsonBoolean(metadata={"description": "false stops deliveries; true resumes"})


class Webhook(Schema):
    id = fields.String(metadata={"example": "wh_1f2e3d4c5b6a7980"})
    url = fields.String()
    description = fields.String(allow_none=True)
    events = fields.List(fields.String())
    filter = fields.Dict(metadata={"description": "the list filters, as given"})
    enabled = fields.Boolean()
    disabled_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    disabled_reason = fields.String(allow_none=True)
    cursor = fields.Integer(
        metadata={"description": "the `seq` of the last change sent (or passed over)"}
    )
    backlog = fields.Integer(metadata={"description": "changes after `cursor` still to go"})
    failing_since = fields.String(allow_none=True, metadata={"format": "date-time"})
    next_attempt_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    previous_secret_until = fields.String(
        allow_none=True,
        metadata={
            "format": "date-time",
            "description": "until when deliveries are signed with the previous secret too",
        },
    )
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})
    revision = fields.Integer()


class WebhookCreated(Webhook):
    secret = fields.String(
        metadata={
            "description": "the signing secret (`whsec_…`): shown this once",
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    )


class SecretRotation(Schema):
    class Meta:
        unknown = RAISE

    grace_seconds = JsonInteger(
        load_default=24 * 3600,
        validate=validate.Range(min=0, max=GRACE),
        metadata={"description": "how long the old secret still signs too (default a day)"},
    )


class Delivery(Schema):
    id = fields.Integer()
    seq = fields.Integer(metadata={"description": "the change's, in `/v1/changes`"})
    event_type = fields.String()
    record_id = fields.String()
    message_id = fields.String(metadata={"description": "the `webhook-id` header sent"})
    attempt = fields.Integer()
    at = fields.String(metadata={"format": "date-time"})
    succeeded = fields.Boolean()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    redelivery = fields.Boolean()


class Rewind(Schema):
    class Meta:
        unknown = RAISE

    from_seq = JsonInteger(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "send again every change from this `seq` on, in order"},
    )


class EventData(Schema):
    id = fields.String(metadata={"description": "the record's id"})
    revision = fields.Integer()
    seq = fields.Integer()
    record = fields.Dict(
        metadata={"description": "the record as it now stands (a meeting as `getMeeting`)"}
    )
    tombstone = fields.Dict(metadata={"description": "for a deleted meeting: `{id, deleted_at}`"})
    renamed_to = fields.String(metadata={"description": "for a `….renamed` event: the new id"})


class Event(Schema):
    """The body of every webhook POST, signed as Standard Webhooks says (`webhook-id`,
    `webhook-timestamp`, `webhook-signature`)."""

    type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    timestamp = fields.String(metadata={"format": "date-time"})
    data = fields.Nested(EventData)
