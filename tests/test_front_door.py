"""Where a client starts: `/`, `/v1`, the API catalog and the spec at the root; and query
strings that give a one-value parameter twice."""

import pytest
import yaml
from conftest import ROOT, assert_problem

from api import create_app
from api.http.resources.index import COLLECTIONS


def links_of(header: str) -> dict[str, str]:
    """RFC 8288 `Link` header targets by relation."""
    found = {}
    for part in header.split(","):
        target, *params = part.split(";")
        rel = next(p.split("=", 1)[1].strip('"') for p in params if p.strip().startswith("rel="))
        found[rel] = target.strip().strip("<>")
    return found


@pytest.mark.parametrize("path", ["/", "/v1", "/v1/"])
def test_the_front_door_lists_the_collections_and_the_spec(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Meeting Records API" and body["version"]
    for name, collection in COLLECTIONS.items():
        assert body["links"][name].endswith(collection)
        listed = client.get(body["links"][name])
        assert listed.status_code == 200 and "data" in listed.get_json(), name
    rels = links_of(response.headers["Link"])
    assert rels["service-desc"] == body["links"]["openapi"]
    assert rels["service-doc"] == body["links"]["docs"]
    assert client.get(rels["service-desc"]).get_json()["openapi"] == "3.1.0"
    assert client.get(rels["service-doc"], follow_redirects=True).status_code == 200
    assert client.get(rels["api-catalog"]).status_code == 200


def test_the_api_catalog_is_a_linkset(client):
    response = client.get("/.well-known/api-catalog")
    assert response.status_code == 200
    assert response.mimetype == "application/linkset+json"
    [entry] = response.get_json()["linkset"]
    assert entry["anchor"].endswith("/v1")
    assert client.get(entry["service-desc"][0]["href"]).get_json()["openapi"] == "3.1.0"
    assert client.get(entry["status"][0]["href"]).status_code == 200
    head = client.head("/.well-known/api-catalog")
    assert head.status_code == 200 and "api-catalog" in links_of(head.headers["Link"])


def test_the_spec_is_at_the_root_too(client):
    assert client.get("/openapi.json").get_json() == client.get("/v1/openapi.json").get_json()


def test_links_start_from_the_public_url(database_url):
    app = create_app({"DATABASE_URL": database_url, "MEETINGS_PUBLIC_URL": "https://x.test/api"})
    response = app.test_client().get("/v1")
    assert response.get_json()["links"]["meetings"] == "https://x.test/api/v1/meetings"
    assert links_of(response.headers["Link"])["service-desc"] == (
        "https://x.test/api/v1/openapi.json"
    )


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/meetings?limit=1&limit=2", "limit"),
        ("/v1/meetings?q=a&q=b", "q"),
        ("/v1/meetings?sort=date&sort=-date", "sort"),
        ("/v1/meetings?type=summit&type=other", "type"),
        ("/v1/meetings?from=2001&from=2002", "from"),
        ("/v1/people?limit=5&limit=5", "limit"),
        ("/v1/changes?since=0&since=1", "since"),
    ],
)
def test_a_one_value_parameter_given_twice_is_a_422_naming_it(client, path, name):
    assert_problem(client.get(path), 422, name)


def test_parameters_that_repeat_and_unknown_ones_may_come_twice(client):
    assert client.get("/v1/meetings?country=JP&country=KR").status_code == 200
    assert client.get("/v1/meetings?utm=1&utm=2").status_code == 200


def test_every_timestamp_in_the_spec_is_a_date_time(client):
    spec = client.get("/v1/openapi.json").get_json()
    stamps = {
        (name, field): prop
        for name, schema in spec["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if field in ("created_at", "updated_at", "starts_at", "at")
    }
    assert len(stamps) >= 8
    for where, prop in stamps.items():
        assert prop.get("format") == "date-time", where
    published = [
        s["properties"]["published_at"]
        for s in spec["components"]["schemas"].values()
        if "published_at" in s.get("properties", {})
    ]
    assert published
    for prop in published:
        formats = {choice.get("format") for choice in prop["anyOf"]}
        assert {"date-time", "date"} <= formats


def test_every_operation_has_a_stable_name_and_says_what_it_needs(client):
    spec = client.get("/v1/openapi.json").get_json()
    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    names = [operation["operationId"] for _, _, operation in operations]
    assert len(names) == len(set(names)) and all(n[0].islower() and n.isalnum() for n in names)
    assert {"listMeetings", "getMeeting", "createMeeting", "updateMeeting"} <= set(names)
    for method, path, operation in operations:
        if method == "get" and not path.startswith("/v1/webhooks"):
            assert operation["security"] == [], path  # reads are public, but for webhooks
        else:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)


def test_the_front_door_gives_the_citation_the_repository_does(client):
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    citation = client.get("/").get_json()["citation"]
    assert cff["title"] in citation and cff["version"] in citation
    assert cff["authors"][0]["name"] in citation
