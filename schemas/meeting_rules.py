"""What a written meeting must satisfy across its fields, as the spec states it: the rules
JSON Schema can say (`JSON_SCHEMA`), and those it cannot (`BEYOND_SCHEMA`), which the spec
lists in words. `MeetingIn._consistent` enforces both."""

from .fields import DATE_FORMS

POSITION = {
    "description": "as a GET shows it: the entry's place in the list, from 1; if given, it "
    "must equal it",
    "readOnly": True,
}


def _when(field: str, value, then: dict) -> dict:
    return {"if": {"properties": {field: {"const": value}}, "required": [field]}, "then": then}


JSON_SCHEMA = {
    "allOf": [
        *(
            _when("date_precision", precision, {"properties": {"date": form}})
            for precision, form in DATE_FORMS.items()
        ),
        _when(
            "date_basis",
            "inferred",
            {"required": ["date_note"], "properties": {"date_note": {"type": "string"}}},
        ),
        _when("format", "phone", {"properties": {"location": {"type": "null"}}}),
        {
            "if": {"properties": {"start_time": {"type": "string"}}, "required": ["start_time"]},
            "then": {
                "required": ["timezone"],
                "properties": {
                    "timezone": {"type": "string"},
                    "date_precision": {"const": "day"},
                },
            },
        },
    ]
}

# Each field a rule beyond the schema refuses (a 422 naming it), and the rule.
BEYOND_SCHEMA = {
    "parties": "each state once, whichever form names it (`JP`, `jpn`, `{country: JP}`); a "
    "party given as `{country, name}` has its country's name as the API shows it",
    "participants": "each participant's country is among the parties; a person given by id "
    "is a stored person",
    "sources": "each source once; a source given by id is a stored source",
    "related": "each meeting once, a stored one, and not the meeting itself",
    "evidence": "each entry's `field` names a fact of the record; a passage has `exact`, "
    "`start`, `end` and `source` together, one of the meeting's sources, with `end - start` "
    "the length of `exact`; a `reported` fact (the default basis) has its passage, any other "
    "a `note`",
    "timezone": "an IANA time zone name (`Asia/Tokyo`)",
    "start_time": "a local time the time zone has on that date (not one skipped by a clock "
    "change), within the years 1 to 9999 UTC",
}

DESCRIPTION = (
    "Rules beyond this schema, each a 422 naming its field: "
    + "; ".join(f"`{field}`: {rule}" for field, rule in BEYOND_SCHEMA.items())
    + "."
)
