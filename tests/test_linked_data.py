"""Meetings as schema.org `Event`s in JSON-LD (`Accept: application/ld+json`), under the
context the API publishes, expanded with a JSON-LD processor."""

import pytest
from pyld import jsonld

LD = {"Accept": "application/ld+json"}
SCHEMA = "https://schema.org/"


def expanded(client, document: dict) -> list[dict]:
    """The document expanded by pyld, its context fetched from the API itself."""

    def loader(url, options=None):
        path = url.removeprefix("http://localhost")
        return {"contextUrl": None, "documentUrl": url, "document": client.get(path).get_json()}

    return jsonld.expand(document, {"documentLoader": loader, "base": "http://localhost/"})


def value(node: dict, name: str):
    return [v.get("@value", v.get("@id")) for v in node.get(SCHEMA + name, [])]


def test_a_meeting_is_an_event_with_its_people_place_links_and_sources(client):
    record = client.get("/v1/meetings/2019-12-24-jp-kr-summit-chengdu").get_json()
    response = client.get("/v1/meetings/2019-12-24-jp-kr-summit-chengdu", headers=LD)
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    [event] = expanded(client, response.get_json())
    assert event["@type"] == [SCHEMA + "Event"]
    assert value(event, "name") == [record["title"]]
    assert value(event, "startDate") == ["2019-12-24"]
    assert value(event, "eventStatus") == [SCHEMA + "EventScheduled"]
    assert value(event, "eventAttendanceMode") == [SCHEMA + "OfflineEventAttendanceMode"]
    [place] = event[SCHEMA + "location"]
    assert value(place[SCHEMA + "address"][0], "addressLocality") == ["Chengdu"]
    people = event[SCHEMA + "attendee"]
    assert [value(p, "name")[0] for p in people] == [
        p["person"]["name"] for p in record["participants"]
    ]
    affiliation = people[0][SCHEMA + "affiliation"][0]
    assert value(affiliation, "name") == ["Government of South Korea"]
    assert value(event, "superEvent") == [
        "http://localhost/v1/meetings/2019-12-cn-jp-kr-trilateral-summit-chengdu"
    ]
    assert len(event[SCHEMA + "citation"]) == len(record["sources"])


def test_a_call_is_online_with_no_place_and_a_date_keeps_its_precision(client):
    call = client.get("/v1/meetings/2024-12-11-jp-kr-foreign-ministers-phone-call", headers=LD)
    [event] = expanded(client, call.get_json())
    assert value(event, "eventAttendanceMode") == [SCHEMA + "OnlineEventAttendanceMode"]
    assert SCHEMA + "location" not in event
    month = client.get("/v1/meetings/2018-09-jp-kr-summit-new-york", headers=LD).get_json()
    assert month["startDate"] == "2018-09"
    parent = client.get("/v1/meetings/2019-12-cn-jp-kr-trilateral-summit-chengdu", headers=LD)
    assert parent.get_json()["subEvent"] == ["/v1/meetings/2019-12-24-jp-kr-summit-chengdu"]


def test_a_list_is_a_graph_of_events_paged_as_json_is(client):
    json_page = client.get("/v1/meetings?limit=3&country=KR").get_json()
    response = client.get("/v1/meetings?limit=3&country=KR", headers=LD)
    assert response.mimetype == "application/ld+json"
    events = expanded(client, response.get_json())
    assert [e["@id"] for e in events] == [
        f"http://localhost/v1/meetings/{m['id']}" for m in json_page["data"]
    ]
    assert 'rel="next"' in response.headers["Link"]


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
def test_json_stays_the_default_and_each_representation_has_its_own_etag(client, accept):
    url = "/v1/meetings/2024-09-06-jp-kr-summit"
    plain = client.get(url, headers={"Accept": accept} if accept else {})
    assert plain.mimetype == "application/json" and "Accept" in plain.headers["Vary"]
    linked = client.get(url, headers=LD)
    assert linked.headers["ETag"] != plain.headers["ETag"]
    again = client.get(url, headers={**LD, "If-None-Match": linked.headers["ETag"]})
    assert again.status_code == 304
    assert (
        client.get(url, headers={**LD, "If-None-Match": plain.headers["ETag"]}).status_code == 200
    )


def test_the_context_is_published(client):
    response = client.get("/v1/context.jsonld")
    assert response.mimetype == "application/ld+json"
    assert response.get_json()["@context"]["@vocab"] == SCHEMA


def test_a_linked_data_page_is_of_whole_records_whatever_fields_and_q_ask(client):
    plain = client.get("/v1/meetings?limit=3&q=summit", headers=LD).get_json()
    narrowed = client.get("/v1/meetings?limit=3&q=summit&fields=id", headers=LD)
    assert narrowed.status_code == 200 and narrowed.get_json() == plain
