"""Evidence: where in its sources each fact of a meeting stands, located as the W3C Web
Annotation model locates a passage.

An entry names the fact by an RFC 6901 JSON Pointer into the record as it is written
(`/date`, `/participants/0`, `/agreed_points/1`), the source it rests on, and its basis:
`reported` (the source says it: a passage is required), `inferred` (worked out: say from what
in `note`, with the passage it is worked out from where there is one) or `outside_knowledge`
(not in the source: say what and why it is safe in `note`). A passage is a TextQuoteSelector
(`exact`, with the `prefix` and `suffix` around it) and a TextPositionSelector (`start`,
`end`): offsets in Unicode code points into the article's text as decoded from UTF-8, with no
normalisation at all (line ends, spaces and non-breaking spaces count as they stand).
"""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .fields import JsonInteger, Whole, slug

BASES = ("reported", "inferred", "outside_knowledge")
CONTEXT = 64  # the longest prefix or suffix
POINTER_PATTERN = r"^(?:/(?:[^~/]|~[01])*)+$"
OFFSETS = "code points into the article text decoded from UTF-8, no normalisation"
# What a meeting states as fact: each must have evidence (at the field or below it): date,
# format and status always, these where they are set, and each entry of the lists.
FACT_FIELDS_IF_SET = ("start_time", "timezone", "duration_minutes", "location", "occasion")
FACT_LISTS = ("parties", "participants", "related", "agreed_points", "discussed")


def _passage_text(max_len: int, **kwargs):
    return fields.String(validate=validate.Length(max=max_len), **kwargs)


class EvidenceIn(Schema):
    """One piece of evidence for one fact."""

    class Meta:
        unknown = RAISE

    field = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), Whole(POINTER_PATTERN)],
        metadata={"description": "RFC 6901 JSON Pointer to the fact, e.g. `/participants/0`"},
    )
    source = fields.String(
        allow_none=True,
        load_default=None,
        validate=slug,
        metadata={"description": "the id of the source (one of the meeting's) it rests on"},
    )
    basis = fields.String(
        load_default="reported",
        validate=validate.OneOf(BASES),
        metadata={"description": "`reported`, `inferred` (say from what) or `outside_knowledge`"},
    )
    exact = _passage_text(
        1000,
        allow_none=True,
        load_default=None,
        metadata={"description": "TextQuoteSelector: the passage, verbatim"},
    )
    prefix = _passage_text(CONTEXT, allow_none=True, load_default=None)
    suffix = _passage_text(CONTEXT, allow_none=True, load_default=None)
    start = JsonInteger(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": f"TextPositionSelector: first offset, in {OFFSETS}"},
    )
    end = JsonInteger(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "TextPositionSelector: the offset just after the passage"},
    )
    note = _passage_text(
        1000,
        allow_none=True,
        load_default=None,
        metadata={"description": "how it was inferred, or what outside knowledge and why"},
    )

    @validates_schema
    def _complete(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        passage = [data.get(k) is not None for k in ("exact", "start", "end")]
        if any(passage) and not all(passage):
            errors["exact"] = ["A passage needs exact, start and end together."]
        elif all(passage):
            if data["end"] - data["start"] != len(data["exact"]):
                errors["end"] = ["end - start must be the length of exact, in code points."]
            if not data.get("source"):
                errors["source"] = ["A passage names the source it is in."]
        if data.get("basis") == "reported" and not all(passage):
            errors["exact"] = ["A reported fact needs its passage (exact, start, end)."]
        if data.get("basis") != "reported" and not data.get("note"):
            errors["note"] = ["An inferred or outside-knowledge fact needs a note saying how."]
        if errors:
            raise ValidationError(errors)


class Evidence(Schema):
    field = fields.String(metadata={"description": "RFC 6901 JSON Pointer to the fact"})
    source = fields.String(allow_none=True)
    basis = fields.String(validate=validate.OneOf(BASES))
    exact = fields.String(allow_none=True, metadata={"description": "TextQuoteSelector"})
    prefix = fields.String(allow_none=True)
    suffix = fields.String(allow_none=True)
    start = fields.Integer(
        allow_none=True, metadata={"description": f"TextPositionSelector, in {OFFSETS}"}
    )
    end = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


def resolve(record: dict, pointer: str):
    """The value a JSON Pointer names in `record`; KeyError where it names nothing."""
    value = record
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list):
            if not token.isdigit() or int(token) >= len(value) or token != str(int(token)):
                raise KeyError(pointer)
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            raise KeyError(pointer)
    return value


def facts(record: dict) -> list[str]:
    """The pointers of every fact a meeting states, each of which needs evidence."""
    pointers = [f"/{name}" for name in ("date", "format", "status")]
    pointers += [f"/{name}" for name in FACT_FIELDS_IF_SET if record.get(name) is not None]
    for name in FACT_LISTS:
        pointers += [f"/{name}/{i}" for i in range(len(record.get(name) or []))]
    return pointers


def covers(pointer: str, fact: str) -> bool:
    """Whether evidence at `pointer` backs `fact`: the fact itself or a part of it."""
    return pointer == fact or pointer.startswith(fact + "/")


def problems(
    record: dict, source_ids: list[str] | None, *, pointers: bool = True
) -> dict[str, list[str]]:
    """What is wrong with a loaded meeting's evidence as a whole: pointers naming nothing in
    the record (unless not `pointers`), sources that are not the meeting's (when `source_ids`
    are known). By field, as marshmallow reports them."""
    messages = []
    for i, entry in enumerate(record.get("evidence") or []):
        try:
            if pointers:
                resolve(record, entry["field"])
        except KeyError:
            messages.append(f"Entry {i}: {entry['field']!r} names nothing in the record.")
        if source_ids is not None and entry.get("source") not in (None, *source_ids):
            messages.append(f"Entry {i}: source {entry['source']!r} is not one of the meeting's.")
    return {"evidence": messages} if messages else {}
