"""People who take part in meetings."""

from marshmallow import RAISE, Schema, fields, validate

from .fields import CountryCode, slug
from .source import MeetingBrief

_name = validate.Length(min=1, max=200)


class PersonIn(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=slug)
    name = fields.String(
        required=True, validate=_name, metadata={"description": "given name first"}
    )
    given_name = fields.String(allow_none=True, load_default=None, validate=_name)
    family_name = fields.String(allow_none=True, load_default=None, validate=_name)
    country = CountryCode(required=True)


class Person(Schema):
    id = fields.String(metadata={"example": "yoko-kamikawa"})
    name = fields.String(metadata={"example": "Yoko Kamikawa"})
    family_name = fields.String(allow_none=True)
    given_name = fields.String(allow_none=True)
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    meeting_count = fields.Integer()


class Participation(Schema):
    meeting = fields.Nested(MeetingBrief)
    title = fields.String(metadata={"description": "their role at the time of that meeting"})
    country = fields.String()
    side = fields.String(allow_none=True)


class PersonDetail(Person):
    meetings = fields.List(fields.Nested(Participation))
