"""`fields=`: the parts of a record a client asks for, as marshmallow's `only` takes them."""

import re
from functools import lru_cache

from marshmallow import Schema, ValidationError, fields


class FieldSelection(fields.String):
    """Comma-separated field paths of `schema`'s records (`id,date,participants.person.name`):
    a tuple of them, each once; a path `schema` does not have is a ValidationError naming it."""

    def __init__(self, schema: type[Schema], **kwargs):
        self.target = schema
        description = (
            "only these fields of each record, comma-separated; a dot reaches into a nested "
            "one (`participants.person.name`). An unknown field is a 422"
        )
        example = "id,date,parties,participants.person.name"
        # Every path there is, so that a value the spec allows is one the server takes.
        one = "(?:" + "|".join(re.escape(p) for p in sorted(paths(schema()), reverse=True)) + ")"
        metadata = {
            "description": description,
            "example": example,
            "pattern": f"^{one}(?:,{one})*$",
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[str, ...]:
        text = super()._deserialize(value, attr, data, **kwargs)
        paths = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
        if not paths:
            raise ValidationError("Name at least one field.")
        unknown = [path for path in paths if not _has(self.target(), path)]
        if unknown:
            known = ", ".join(self.target().fields)
            raise ValidationError(f"Unknown fields: {', '.join(unknown)}. Known: {known}.")
        # A field asked for whole is whole: `participants,participants.person.name` is all of
        # each participant, not only the name (which is what `only` would make of both).
        return tuple(p for p in paths if not any(p.startswith(f"{q}.") for q in paths))


def paths(schema: Schema, prefix: str = "") -> list[str]:
    """Every field path of `schema`, nested ones dotted."""
    found = []
    for name, field in schema.fields.items():
        found.append(prefix + name)
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            found += paths(inner.schema, f"{prefix}{name}.")
    return found


def _has(schema: Schema, path: str) -> bool:
    name, _, rest = path.partition(".")
    field = schema.fields.get(name)
    if field is None or not rest:
        return field is not None
    inner = field.inner if isinstance(field, fields.List) else field
    return isinstance(inner, fields.Nested) and _has(inner.schema, rest)


@lru_cache(maxsize=256)
def selector(schema: type[Schema], paths: tuple[str, ...]) -> Schema:
    """The schema that dumps only `paths` of a record (kept: the same selections recur)."""
    return schema(only=paths)


def select(record: dict, schema: type[Schema], paths: tuple[str, ...]) -> dict:
    """Only `paths` of `record`, nested ones inside their parents."""
    return selector(schema, paths).dump(record)
