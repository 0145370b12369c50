"""The generated OpenAPI description, as the committed `openapi.yaml` holds it."""

import yaml
from apispec import BasePlugin

from api.http.auth import SCHEME
from schemas.evidence import BASES
from schemas.fields import all_countries
from schemas.meeting import (
    DATE_BASES,
    FORMATS,
    POINT_KINDS,
    PRECISIONS,
    SHOWN_RELATIONS,
    SIDES,
    STATUSES,
    TYPES,
)
from schemas.person import NAME_ORDERS
from schemas.source import KINDS

DESCRIPTION = "\n\n".join(
    [
        "Structured records of diplomatic meetings (summits, foreign ministers' talks, phone "
        "calls), mapped by hand from news articles. Every agreed point carries a verbatim quote "
        "from its source, and every source the SHA-256 of its text, so a reader can check each "
        "record against the article.",
        "Lists return `{data, links, meta}` and an RFC 8288 `Link` header; page with `limit` "
        "(1-100) and the opaque `cursor` of the `next`/`prev` links. Errors are RFC 9457 problem "
        "details (`application/problem+json`).",
        "Every response carries an `X-Request-ID` (the client's, or a new one) that the "
        "server's log line for the request names too. A client over a rate limit gets a 429 "
        "problem with `Retry-After`; responses carry `RateLimit-Limit`, `RateLimit-Remaining` "
        "and `RateLimit-Reset`.",
    ]
)

_ORDER = ("openapi", "info", "servers", "tags", "paths", "components")
UNLIMITED = ("/healthz", "/readyz")


# Every operation's stable name, for generated clients (`listMeetings`, not `get_v1_meetings`).
OPERATION_IDS = {
    ("get", "/"): "getIndex",
    ("get", "/v1"): "getVersionIndex",
    ("get", "/.well-known/api-catalog"): "getApiCatalog",
    ("get", "/v1/meetings"): "listMeetings",
    ("get", "/v1/meetings/facets"): "countMeetingFacets",
    ("post", "/v1/meetings"): "createMeeting",
    ("get", "/v1/meetings/{meeting_id}"): "getMeeting",
    ("put", "/v1/meetings/{meeting_id}"): "replaceMeeting",
    ("patch", "/v1/meetings/{meeting_id}"): "updateMeeting",
    ("delete", "/v1/meetings/{meeting_id}"): "deleteMeeting",
    ("get", "/v1/changes"): "listChanges",
    ("get", "/v1/countries"): "listCountries",
    ("get", "/v1/countries/{code}"): "getCountry",
    ("get", "/v1/people"): "listPeople",
    ("get", "/v1/people/{person_id}"): "getPerson",
    ("put", "/v1/people/{person_id}"): "replacePerson",
    ("patch", "/v1/people/{person_id}"): "updatePerson",
    ("get", "/v1/sources"): "listSources",
    ("get", "/v1/sources/{source_id}"): "getSource",
    ("put", "/v1/sources/{source_id}"): "replaceSource",
    ("patch", "/v1/sources/{source_id}"): "updateSource",
    ("get", "/v1/topics"): "listTopics",
    ("get", "/v1/dumps/latest"): "getLatestDump",
    ("get", "/v1/dumps/v{key}/{name}"): "getDumpFile",
    ("get", "/healthz"): "getLiveness",
    ("get", "/readyz"): "getReadiness",
}


# Each choice of values the records use, one component each, so that a client generator
# makes one type of it, not one per schema and parameter that takes it.
ENUMS = {
    "MeetingType": TYPES,
    "MeetingFormat": FORMATS,
    "MeetingStatus": STATUSES,
    "DatePrecision": PRECISIONS,
    "DateBasis": DATE_BASES,
    "Side": SIDES,
    "PointKind": POINT_KINDS,
    "Relation": SHOWN_RELATIONS,
    "EvidenceBasis": BASES,
    "SourceKind": KINDS,
    "NameOrder": NAME_ORDERS,
    # The codes the API writes; where it reads one, alpha-3 and any case are accepted too.
    "CountryCode": tuple(country.code for country in all_countries()),
}
# The patterns `schemas.fields.CountryCode` gives a field: the spec names the codes instead.
COUNTRY_PATTERNS = ("^[A-Za-z]{2,3}$", "^[A-Z]{2}$")


class SharedEnums(BasePlugin):
    """Puts `ENUMS` in the components and refers to them wherever a schema or a parameter
    takes one of them (`anyOf` it and null where null is allowed too)."""

    def init_spec(self, spec):
        for name, values in ENUMS.items():
            spec.components.schema(name, {"type": "string", "enum": list(values)})

    def schema_helper(self, name, definition, **kwargs):
        if name in ENUMS or "properties" not in definition:
            return None
        properties = {key: _shared(prop) for key, prop in definition["properties"].items()}
        return {"properties": properties}

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and "schema" in parameter:
                    parameter["schema"] = _shared(parameter["schema"])


def _shared(prop: dict) -> dict:
    """`prop` referring to the shared enum its values are, if any (in an array's items too)."""
    if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
        return {**prop, "items": _shared(prop["items"])}
    values = prop.get("enum")
    if prop.get("pattern") in COUNTRY_PATTERNS:
        values, prop = ENUMS["CountryCode"], {k: v for k, v in prop.items() if k != "pattern"}
        nullable = "null" in (prop.get("type") or ())
        values = [*values, None] if nullable else values
    if not values:
        return prop
    found = next((n for n, v in ENUMS.items() if set(v) == set(values) - {None}), None)
    if found is None:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("type", "enum")}
    ref = {"$ref": f"#/components/schemas/{found}"}
    return {**rest, "anyOf": [ref, {"type": "null"}]} if None in values else {**rest, **ref}


class Named(BasePlugin):
    """Each operation gets its name from `OPERATION_IDS`, and one that needs no key says so
    (`security: []`): what a reader or a client generator would otherwise have to guess."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in operations.items():
            operation["operationId"] = OPERATION_IDS[(method, path)]
            operation.setdefault("security", [])


class RateLimited(BasePlugin):
    """Every operation but the health checks may answer 429 when its client is over a limit."""

    def init_spec(self, spec):
        self.spec = spec

    def operation_helper(self, path=None, operations=None, **kwargs):
        if path in UNLIMITED:
            return
        for operation in operations.values():
            operation.setdefault("responses", {})["429"] = self.spec.components.get_ref(
                "response", "TOO_MANY_REQUESTS"
            )


class _Dumper(yaml.SafeDumper):
    """Block style for text of several lines, so descriptions read as they were written; no
    YAML anchors, which some tools that read the spec do not follow."""

    def ignore_aliases(self, data):
        return True


def _text(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def spec_dict(api) -> dict:
    spec = api.spec.to_dict()
    return {key: spec[key] for key in (*_ORDER, *sorted(set(spec) - set(_ORDER))) if key in spec}


def spec_yaml(api) -> str:
    return yaml.dump(spec_dict(api), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# What the operations that write document alike.
MERGE_PATCH = "application/merge-patch+json"


def merge_patch_body(schema) -> dict:
    """The request body of a PATCH: an RFC 7396 merge patch of the fields `schema` (the PUT's)
    writes, `null` removing one; a key it does not write is refused."""
    names = sorted(field.data_key or name for name, field in schema().fields.items())
    return {
        "required": True,
        "content": {
            MERGE_PATCH: {
                "schema": {
                    "type": "object",
                    "description": "RFC 7396 JSON Merge Patch of the record: the fields to "
                    "change, `null` removing one, lists replaced whole",
                    "properties": {name: {} for name in names},
                    "additionalProperties": False,
                }
            }
        },
    }


_header = {"schema": {"type": "string"}}
ETAG_HEADER = {"ETag": {"description": "strong validator; changes with the revision", **_header}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "the record's current ETag: a write to an older version is a 412",
}
SECURED = {"security": [{SCHEME: []}]}
