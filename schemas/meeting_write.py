"""A meeting as a client writes it: with or without its id, and as a PUT may send back what a
GET returned."""

from marshmallow import fields

from .fields import SENT_BACK, URL_ID, JsonInteger, slug
from .meeting import SERVER_OWNED, MeetingIn, not_reserved


class MeetingWrite(MeetingIn):
    """A meeting as a client writes it: the id is chosen by the server when left out."""

    id = fields.String(
        validate=[*slug, not_reserved],
        metadata={"description": "derived from date, parties and type if absent"},
    )


class MeetingReplace(MeetingWrite):
    """A whole meeting as a PUT sends it, which may be the record exactly as a GET returned it:
    the server-owned fields are then compared with the stored record's, not written."""

    id = fields.String(validate=slug, metadata=URL_ID)
    created_at = fields.String(metadata={**SENT_BACK, "format": "date-time"})
    updated_at = fields.String(metadata={**SENT_BACK, "format": "date-time"})
    revision = JsonInteger(metadata=SENT_BACK)
    starts_at = fields.String(allow_none=True, metadata={**SENT_BACK, "format": "date-time"})


SHOWN_SERVER_OWNED = (*SERVER_OWNED, "starts_at")
