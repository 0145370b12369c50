"""`GET /v1/meetings/facets`: exact counts of a list's meetings by facet, each value with the
URL of its list."""

from collections import Counter

import pytest
from conftest import assert_problem, new_meeting


def listed(client, url: str) -> list[dict]:
    body = client.get(url + ("&" if "?" in url else "?") + "limit=100").get_json()
    assert body["meta"]["total"] == len(body["data"])
    return body["data"]


def expected_counts(meetings: list[dict]) -> dict[str, Counter]:
    return {
        "year": Counter(m["date"][:4] for m in meetings),
        "type": Counter(m["type"] for m in meetings),
        "format": Counter(m["format"] for m in meetings),
        "status": Counter(m["status"] for m in meetings),
        "country": Counter(p["country"] for m in meetings for p in m["parties"]),
        "location_country": Counter(m["location"]["country"] for m in meetings if m["location"]),
        "topic": Counter(t for m in meetings for t in m["topics"]),
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "country=KR",
        "type=summit&from=2000",
        "from=2002-03&to=2019-12-24",
        "q=summit",
        "topic=trilateral-cooperation",
    ],
)
def test_facets_count_the_filtered_list_exactly_and_link_to_each_value(client, query):
    body = client.get(f"/v1/meetings/facets?{query}").get_json()
    meetings = listed(client, f"/v1/meetings?{query}")
    assert body["meta"]["total"] == len(meetings)
    for name, counts in expected_counts(meetings).items():
        values = body["facets"][name]
        assert {v["value"]: v["count"] for v in values} == dict(counts), name
        for value in values:
            # Each value's list holds exactly the meetings it counts.
            assert len(listed(client, value["url"])) == value["count"], value["url"]


@pytest.mark.parametrize(
    "paging", ["limit=0", "cursor=junk", "sort=relevance", "fields=nope", "limit=5&sort=date"]
)
def test_a_values_list_leaves_out_what_a_list_takes_besides_filters(client, paging):
    """The facets answer whatever page, order or fields a query string holds (it reads none):
    the list of each value starts at its first page, and every one of them is served."""
    body = client.get(f"/v1/meetings/facets?country=KR&{paging}").get_json()
    urls = [value["url"] for values in body["facets"].values() for value in values]
    assert urls
    for url in urls:
        assert "country=KR" in url and not any(p in url for p in ("limit=", "cursor=", "sort=")), (
            url
        )
        assert client.get(url).status_code == 200, url


def test_facets_follow_every_write(client, auth):
    before = client.get("/v1/meetings/facets?country=ZA").get_json()["facets"]["country"]
    assert before == []
    body = new_meeting(id="za-talks", parties=["ZA", "JP"], participants=[])
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    after = client.get("/v1/meetings/facets?country=ZA").get_json()["facets"]["country"]
    assert {v["value"]: v["count"] for v in after} == {"ZA": 1, "JP": 1}


def test_facets_take_the_lists_filters_with_their_checks(client):
    assert_problem(client.get("/v1/meetings/facets?type=bad"), 422, "type")
    assert_problem(client.get("/v1/meetings/facets?from=2020&to=2010"), 422, "from")


def test_topics_repeat_and_all_must_be_held(client):
    one = {m["id"] for m in listed(client, "/v1/meetings?topic=north-korea")}
    other = {m["id"] for m in listed(client, "/v1/meetings?topic=japan-south-korea-relations")}
    both = listed(client, "/v1/meetings?topic=north-korea&topic=japan-south-korea-relations")
    assert one and other and {m["id"] for m in both} == one & other


def test_no_meeting_may_take_the_facets_path_as_its_id(client, auth):
    response = client.post("/v1/meetings", json=new_meeting(id="facets"), headers=auth)
    assert_problem(response, 422, "id")
