"""The generated OpenAPI description, as the committed `openapi.yaml` holds it."""

import copy

import yaml
from apispec import BasePlugin
from marshmallow import Schema, missing

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
        "What the schemas cannot state: a `cursor` and an `ETag` are opaque values the "
        "server issues, and one it did not issue is a 422 (cursor) or a 412 (`If-Match`); "
        "`from` may not fall after `to`; `sort=relevance` needs `q`; no text may hold U+0000 "
        "(NUL), which is a 400; a webhook's `url` must resolve to public addresses only "
        "(`https`; see the README), else a 422 naming it; and a written meeting's rules "
        "across records are listed with its schema (`MeetingWrite`).",
        "Every response carries an `X-Request-ID` (the client's, or a new one) that the "
        "server's log line for the request names too. A client over a rate limit gets a 429 "
        "problem with `Retry-After`; responses carry `RateLimit-Limit`, `RateLimit-Remaining` "
        "and `RateLimit-Reset`.",
    ]
)

_ORDER = ("openapi", "info", "servers", "tags", "paths", "webhooks", "components")
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
    ("get", "/v1/webhooks"): "listWebhooks",
    ("post", "/v1/webhooks"): "createWebhook",
    ("get", "/v1/webhooks/{webhook_id}"): "getWebhook",
    ("patch", "/v1/webhooks/{webhook_id}"): "updateWebhook",
    ("delete", "/v1/webhooks/{webhook_id}"): "deleteWebhook",
    ("post", "/v1/webhooks/{webhook_id}/secret"): "rotateWebhookSecret",
    ("get", "/v1/webhooks/{webhook_id}/deliveries"): "listWebhookDeliveries",
    ("post", "/v1/webhooks/{webhook_id}/rewind"): "rewindWebhook",
    ("post", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): "redeliverWebhook",
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


class Rules(BasePlugin):
    """A schema's rules across its fields, which its fields cannot state (`JSON_SCHEMA`, a
    class attribute of the marshmallow schema), go into its component."""

    def schema_helper(self, name, definition, **kwargs):
        return getattr(kwargs.get("schema"), "JSON_SCHEMA", None)


class Named(BasePlugin):
    """Each operation gets its name from `OPERATION_IDS`, and one that needs no key says so
    (`security: []`): what a reader or a client generator would otherwise have to guess."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in operations.items():
            operation["operationId"] = OPERATION_IDS[(method, path)]
            operation.setdefault("security", [])


# OpenAPI links: which operation a response leads to, and with what. A record's ETag is the
# `If-Match` of its next write, so a client (or a test generator) can follow them unaided.
def _record_links(kind: str, path_parameter: str, status: str, source: str) -> dict:
    id_from = "$response.body#/id" if source == "body" else f"$request.path.{path_parameter}"
    parameters = {path_parameter: id_from, "If-Match": "$response.header.ETag"}
    return {
        status: {
            f"{verb}{kind}": {"operationId": f"{verb}{kind}", "parameters": parameters}
            for verb in ("replace", "update", *(("delete",) if kind == "Meeting" else ()))
        }
    }


LINKS = {
    "createMeeting": {
        "201": {
            "getMeeting": {
                "operationId": "getMeeting",
                "parameters": {"meeting_id": "$response.body#/id"},
            },
            **_record_links("Meeting", "meeting_id", "201", "body")["201"],
        }
    },
    "getMeeting": _record_links("Meeting", "meeting_id", "200", "path"),
    "replaceMeeting": _record_links("Meeting", "meeting_id", "200", "path"),
    "updateMeeting": _record_links("Meeting", "meeting_id", "200", "path"),
    **{
        f"{verb}{kind}": _record_links(kind, parameter, "200", "path")
        for kind, parameter in (("Person", "person_id"), ("Source", "source_id"))
        for verb in ("get", "replace", "update")
    },
}


class Linked(BasePlugin):
    """Each response in `LINKS` names the operations it leads to (runs after `Named`)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in operations.values():
            responses = operation["responses"]
            for status, links in LINKS.get(operation.get("operationId"), {}).items():
                # flask-smorest keys statuses by number, apispec by text.
                key = next(key for key in responses if str(key) == status)
                responses[key] = {**responses[key], "links": links}


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


def merge_patch_body(schema: type[Schema]) -> dict:
    """The request body of a PATCH: an RFC 7396 merge patch of the fields `schema` (the PUT's)
    writes, each as the PUT takes it, `null` removing one that is neither required nor kept
    by the server; a key it does not write is refused. Its component is `schema`'s name with
    `Patch` for `Replace`."""
    fields = {}
    for name, field in schema().fields.items():
        patched = copy.deepcopy(field)
        patched.allow_none = field.allow_none or not (
            field.required or field.metadata.get("readOnly")
        )
        patched.required = False
        patched.load_default = missing  # a field left out is left as it is
        fields[name] = patched
    name = schema.__name__.replace("Replace", "Patch")
    return {
        "required": True,
        "description": "RFC 7396 JSON Merge Patch of the record: the fields to change, `null` "
        "removing one, lists replaced whole",
        "content": {MERGE_PATCH: {"schema": Schema.from_dict(fields, name=name)}},
    }


_header = {"schema": {"type": "string"}}
ETAG_HEADER = {"ETag": {"description": "strong validator; changes with the revision", **_header}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
    "description": "the record's current ETag: a write to an older version is a 412",
}
SECURED = {"security": [{SCHEME: []}]}
# Webhooks: a key with the `admin` scope, which the operations' descriptions say (the spec's
# scopes are OAuth's; this is a plain bearer token).
ADMIN = SECURED
