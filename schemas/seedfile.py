"""A seed file: one article's sources, the people it names and every meeting it describes.

A page usually holds one source (`source`); one that holds several, a report and a reader's
reply say, lists them under `sources`, and each meeting then names those it rests on. A
person, source or meeting whose id changed lists its old ids as `aliases`: they are taken out
of the records as loaded and given as `renames`, (kind, old id, new id).
"""

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from .evidence import problems
from .fields import slug
from .meeting import MeetingIn
from .person import PersonIn
from .source import SourceIn


def _aliases():
    return fields.List(
        fields.String(validate=slug),
        load_default=list,
        metadata={"description": "ids it had before: they answer with a redirect to it"},
    )


class SeedMeetingIn(MeetingIn):
    # A seed file's meetings rest on the file's first source unless they name theirs.
    sources = fields.List(fields.String(validate=slug), load_default=list)
    aliases = _aliases()
    STATES_ALIASES = True


class SeedPersonIn(PersonIn):
    aliases = _aliases()


class SeedSourceIn(SourceIn):
    aliases = _aliases()


class SeedFile(Schema):
    class Meta:
        unknown = RAISE

    source = fields.Nested(SeedSourceIn)
    sources = fields.List(fields.Nested(SeedSourceIn), validate=validate.Length(min=1))
    people = fields.List(fields.Nested(SeedPersonIn), load_default=list)
    meetings = fields.List(
        fields.Nested(SeedMeetingIn), required=True, validate=validate.Length(min=1)
    )

    @validates_schema
    def _one_way(self, data, **kwargs):
        if ("source" in data) == ("sources" in data):
            raise ValidationError("Give either `source` or `sources`.", field_name="source")
        named = [s["id"] for s in data.get("sources") or [data["source"]]]
        errors = {}
        for i, meeting in enumerate(data.get("meetings") or []):
            unknown = sorted(set(meeting["sources"]) - set(named))
            if unknown:
                errors[i] = {"sources": [f"Not a source of this file: {unknown}."]}
            elif wrong := problems(meeting, meeting["sources"] or named[:1]):
                errors[i] = wrong
        if errors:
            raise ValidationError({"meetings": errors})

    @post_load
    def _renames(self, data, **kwargs):
        data["sources"] = data.get("sources") or [data["source"]]
        data["source"] = data["sources"][0]
        data["renames"] = [
            (kind, old, record["id"])
            for kind, records in (
                ("source", data["sources"]),
                ("person", data["people"]),
                ("meeting", data["meetings"]),
            )
            for record in records
            for old in record.pop("aliases")
        ]
        return data
