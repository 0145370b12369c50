"""Meetings as linked data (`Accept: application/ld+json`): schema.org `Event`s, under the
context this API publishes at `/v1/context.jsonld` (schema.org's vocabulary).

What a record says maps as follows; what it does not say is left out, never guessed:
- `status`: `held` and `scheduled` are `EventScheduled` (schema.org has no "took place"),
  `postponed` `EventPostponed`, `cancelled` `EventCancelled`;
- `format`: in person is offline, a phone or video call online, hybrid mixed;
- the date keeps its precision (`2018-09`), or is the UTC instant where the record has one;
- the place is a `Place` with its address; a call has no place;
- each participant is an `attendee`, a `Person` with their title and, as `affiliation`, the
  government of the state they spoke for;
- `parent` links are `superEvent`, `child` links `subEvent`, the others `isRelatedTo`
  (`previous`, `follow_up` and `same_occasion` have no schema.org property of their own);
- each source is a `citation`."""

import orjson
from flask import Response, request

from api.http.pagination import link_header
from api.http.public_url import link_base
from schemas.fields import lookup_country

MEDIA = "application/ld+json"
CONTEXT_PATH = "/v1/context.jsonld"
# The published context: schema.org's vocabulary, with `Event`s' links as IRIs.
CONTEXT = {
    "@context": {
        "@vocab": "https://schema.org/",
        "superEvent": {"@type": "@id"},
        "subEvent": {"@type": "@id"},
        "isRelatedTo": {"@type": "@id"},
        "url": {"@type": "@id"},
        "eventStatus": {"@type": "@id"},
        "eventAttendanceMode": {"@type": "@id"},
    }
}
STATUS = {
    "held": "EventScheduled",
    "scheduled": "EventScheduled",
    "postponed": "EventPostponed",
    "cancelled": "EventCancelled",
}
ATTENDANCE = {
    "in_person": "OfflineEventAttendanceMode",
    "phone": "OnlineEventAttendanceMode",
    "video": "OnlineEventAttendanceMode",
    "hybrid": "MixedEventAttendanceMode",
}
LINKS = {"parent": "superEvent", "child": "subEvent"}


def event(record: dict, base: str) -> dict:
    """A meeting record (as a GET shows it) as a schema.org `Event`; `base` starts its URLs."""
    here = f"{base}/v1/meetings/{record['id']}"
    found = {
        "@id": here,
        "@type": "Event",
        "identifier": record["id"],
        "name": record["title"],
        "description": record["summary"],
        "startDate": record["starts_at"] or record["date"],
        "eventStatus": "https://schema.org/" + STATUS[record["status"]],
        "eventAttendanceMode": "https://schema.org/" + ATTENDANCE[record["format"]],
        "keywords": record["topics"],
        "attendee": [_person(p) for p in record["participants"]],
        "citation": [_citation(s) for s in record["sources"]],
        "url": here,
    }
    if record["duration_minutes"]:
        found["duration"] = f"PT{record['duration_minutes']}M"
    if record["location"]:
        found["location"] = _place(record["location"])
    for link in record["related"]:
        name = LINKS.get(link["relation"], "isRelatedTo")
        found.setdefault(name, []).append(f"{base}/v1/meetings/{link['id']}")
    return found


def _person(participant: dict) -> dict:
    person = {"@type": "Person", "name": participant["person"]["name"]}
    if participant["title"]:
        person["jobTitle"] = participant["title"]
    country = lookup_country(participant["country"])
    if country is not None:
        person["affiliation"] = {
            "@type": "GovernmentOrganization",
            "name": f"Government of {country.name}",
            "areaServed": {"@type": "Country", "name": country.name},
        }
    return person


def _place(location: dict) -> dict:
    address = {"@type": "PostalAddress", "addressCountry": location["country"]}
    if location["city"]:
        address["addressLocality"] = location["city"]
    if location["region"]:
        address["addressRegion"] = location["region"]
    place = {"@type": "Place", "address": address}
    if location["venue"]:
        place["name"] = location["venue"]
    return place


def _citation(source: dict) -> dict:
    work = {"@type": "CreativeWork", "identifier": source["id"]}
    if source.get("title"):
        work["name"] = source["title"]
    if source.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": source["publisher"]}
    if source.get("url"):
        work["url"] = source["url"]
    if source.get("published_at"):
        work["datePublished"] = source["published_at"]
    return work


def item_document(record: dict, base: str) -> dict:
    """One meeting as an `Event` under the published context."""
    return {"@context": base + CONTEXT_PATH, **event(record, base)}


def list_document(records: list[dict], base: str) -> dict:
    """A page of meetings as a graph of `Event`s under the published context."""
    return {"@context": base + CONTEXT_PATH, "@graph": [event(r, base) for r in records]}


def variant(tag: str) -> str:
    """The validator of a meeting's JSON-LD, from its JSON's: another representation."""
    return tag[:-1] + '.ld"'


def item_response(document: bytes | str, tag: str) -> Response:
    """A stored meeting as JSON-LD, with its validator `tag` (a `variant`)."""
    base = link_base(request.environ)
    body = orjson.dumps(item_document(orjson.loads(document), base))
    headers = {"ETag": tag, "Vary": "Accept"}
    return Response(body, mimetype=MEDIA, headers=headers)


def page_response(documents: list, links: dict) -> Response:
    """A page of stored meetings as JSON-LD, its neighbours in the `Link` header."""
    base = link_base(request.environ)
    body = orjson.dumps(list_document([orjson.loads(d) for d in documents], base))
    return Response(body, mimetype=MEDIA, headers={**link_header(links), "Vary": "Accept"})


def context_response() -> Response:
    return Response(orjson.dumps(CONTEXT), mimetype=MEDIA)
