"""A seed file: one article's source, the people it names and every meeting it describes."""

from marshmallow import RAISE, Schema, fields, validate

from .meeting import MeetingIn
from .person import PersonIn
from .source import SourceIn


class SeedMeetingIn(MeetingIn):
    # A seed file's meetings are all backed by the file's own source.
    sources = fields.List(fields.String(), load_default=list)


class SeedFile(Schema):
    class Meta:
        unknown = RAISE

    source = fields.Nested(SourceIn, required=True)
    people = fields.List(fields.Nested(PersonIn), load_default=list)
    meetings = fields.List(
        fields.Nested(SeedMeetingIn), required=True, validate=validate.Length(min=1)
    )
