"""People who take part in meetings."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .fields import CountryCode, sized_text, slug, slugify
from .source import MeetingBrief, SentBack

_name = sized_text(200)
NAME = "as its bearer and the sources write it: family name first for Korean and Chinese names"
SORT_NAME = "for sorting: `Family, Given` (`Moon, Jae-in`, `Kamikawa, Yoko`), or the one name"
NAME_ORDER = "how `name` is ordered: `family_first`, `given_first`, or `single` (one name)"
NAME_ORDERS = ("family_first", "given_first", "single")


class PersonIn(Schema):
    """A person's own record: a seed file's `people`, or the body of a PUT."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=slug)
    name = fields.String(required=True, validate=_name, metadata={"description": NAME})
    given_name = fields.String(allow_none=True, load_default=None, validate=_name)
    family_name = fields.String(allow_none=True, load_default=None, validate=_name)
    sort_name = fields.String(
        allow_none=True, load_default=None, validate=_name, metadata={"description": SORT_NAME}
    )
    name_order = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(NAME_ORDERS),
        metadata={"description": NAME_ORDER},
    )
    country = CountryCode(required=True)


class PersonRefIn(Schema):
    """A person as a meeting gives it. Nothing is filled in: the fields given are compared
    with the stored person's (those left out are not), or make a new person, which then needs
    `name` and `country`."""

    class Meta:
        unknown = RAISE

    id = fields.String(validate=slug, metadata={"description": "derived from the name if absent"})
    name = fields.String(validate=_name)
    given_name = fields.String(allow_none=True, validate=_name)
    family_name = fields.String(allow_none=True, validate=_name)
    sort_name = fields.String(allow_none=True, validate=_name)
    name_order = fields.String(allow_none=True, validate=validate.OneOf(NAME_ORDERS))
    country = CountryCode()

    @validates_schema
    def _derive_id(self, data, **kwargs):
        if "id" not in data:
            data["id"] = slugify(data.get("name", ""))
        if not data["id"]:
            raise ValidationError("Cannot derive an id from this name.", field_name="id")


class PersonReplace(SentBack, PersonIn):
    """A person as a PUT sends it, which may be the record exactly as a GET returned it: the
    fields the server keeps are then compared with the stored ones, not written."""


class Person(Schema):
    id = fields.String(metadata={"example": "yoko-kamikawa"})
    name = fields.String(metadata={"example": "Moon Jae-in", "description": NAME})
    family_name = fields.String(allow_none=True)
    given_name = fields.String(allow_none=True)
    sort_name = fields.String(allow_none=True, metadata={"description": SORT_NAME})
    name_order = fields.String(allow_none=True, metadata={"description": NAME_ORDER})
    aliases = fields.List(
        fields.String(), metadata={"description": "earlier ids, which redirect here"}
    )
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    meeting_count = fields.Integer()
    created_at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})
    updated_at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})
    revision = fields.Integer(metadata={"description": "bumps on every change; the ETag's"})


class Participation(Schema):
    meeting = fields.Nested(MeetingBrief)
    title = fields.String(metadata={"description": "their role at the time of that meeting"})
    country = fields.String()
    side = fields.String(allow_none=True)


class PersonDetail(Person):
    meetings = fields.List(fields.Nested(Participation))
