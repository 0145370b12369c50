"""Countries, people, sources and topics, checked against the seed files."""

from collections import Counter

import pytest
from conftest import assert_problem, count_queries, new_meeting

from api.services.seeding import default_seed_files, read_seed_file


@pytest.fixture(scope="module")
def seeds():
    return [read_seed_file(path) for path in default_seed_files()]


def meetings_of(seeds):
    return [m for data in seeds for m in data["meetings"]]


def walk(client, url):
    items = []
    while url:
        body = client.get(url).get_json()
        items += body["data"]
        url = body["links"]["next"]
    return items


def test_countries_have_meeting_counts(client, seeds):
    expected = Counter(code for m in meetings_of(seeds) for code in m["parties"])
    listed = walk(client, "/v1/countries?limit=3")
    assert {c["code"]: c["meeting_count"] for c in listed} == dict(expected)
    assert [c["code"] for c in listed] == sorted(expected)
    korea = client.get("/v1/countries/kor").get_json()
    assert korea == {
        "code": "KR",
        "alpha3": "KOR",
        "name": "South Korea",
        "meeting_count": expected["KR"],
    }


def test_country_without_meetings_and_all_flag(client):
    assert client.get("/v1/countries/FJ").get_json()["meeting_count"] == 0
    body = client.get("/v1/countries?all=true&limit=100").get_json()
    assert body["meta"]["total"] == 249
    assert_problem(client.get("/v1/countries/XX"), 404)
    assert_problem(client.get("/v1/countries?all=maybe"), 422, "all")


def test_people_list_and_detail(client, seeds):
    people = {p["id"]: p for data in seeds for p in data["people"]}
    listed = walk(client, "/v1/people?limit=4")
    assert [p["id"] for p in listed] == sorted(people)
    for entry in listed:
        assert entry["name"] == people[entry["id"]]["name"]
    person_id = max(
        people,
        key=lambda pid: sum(
            pid in {p["person"] for p in m["participants"]} for m in meetings_of(seeds)
        ),
    )
    detail = client.get(f"/v1/people/{person_id}").get_json()
    expected = {
        (m["id"], p["title"])
        for m in meetings_of(seeds)
        for p in m["participants"]
        if p["person"] == person_id
    }
    assert {(x["meeting"]["id"], x["title"]) for x in detail["meetings"]} == expected
    assert detail["meeting_count"] == len(expected) > 1
    assert_problem(client.get("/v1/people/nobody-at-all"), 404)


def test_people_by_country(client, seeds):
    korean = sorted(p["id"] for data in seeds for p in data["people"] if p["country"] == "KR")
    assert [p["id"] for p in walk(client, "/v1/people?country=KOR")] == korean
    assert_problem(client.get("/v1/people?country=XX"), 422, "country")


def test_sources_list_and_detail(client, seeds):
    listed = walk(client, "/v1/sources?limit=2")
    assert {s["id"] for s in listed} == {s["id"] for d in seeds for s in d["sources"]}
    for data in seeds:
        for source in data["sources"]:
            detail = client.get(f"/v1/sources/{source['id']}").get_json()
            assert detail["sha256"] == source["sha256"]
            assert (detail["seed_file"], detail["kind"]) == (source["seed_file"], source["kind"])
            backed = {m["id"] for m in data["meetings"] if source["id"] in m["sources"]}
            assert {m["id"] for m in detail["meetings"]} == backed
            assert detail["meeting_count"] == len(backed)
    assert_problem(client.get("/v1/sources/none-such"), 404)


def test_topics_with_counts(client, seeds):
    expected = Counter()
    for m in meetings_of(seeds):
        points = m["agreed_points"] + m["discussed"]
        expected.update(set(m["topics"]) | {t for p in points for t in p["topics"]})
    listed = walk(client, "/v1/topics?limit=5")
    assert {t["topic"]: t["meeting_count"] for t in listed} == dict(expected)
    assert [t["topic"] for t in listed] == sorted(expected)


def test_short_list_prev_links(client):
    first = client.get("/v1/topics?limit=2").get_json()
    second = client.get(first["links"]["next"]).get_json()
    back = client.get(second["links"]["prev"]).get_json()
    assert back["data"] == first["data"]
    assert back["links"]["prev"] is None


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_counts_by_value_are_counted_once_per_state_of_the_data(client, auth):
    """Every country's and topic's meeting count reads all of their table: a worker counts
    them once, and again only after a write."""
    for path in ("/v1/topics?limit=100", "/v1/countries?limit=100", "/v1/countries/JP"):
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        assert not any("COUNT" in sql for sql in statements), (path, statements)
    before = client.get("/v1/countries/JP").get_json()["meeting_count"]
    body = new_meeting(id="counted-anew", topics=["a-topic-of-its-own"])
    body["agreed_points"][0]["topics"] = ["a-topic-of-its-own"]
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    assert client.get("/v1/countries/JP").get_json()["meeting_count"] == before + 1
    topics = client.get("/v1/topics?limit=100").get_json()["data"]
    assert {"topic": "a-topic-of-its-own", "meeting_count": 1} in topics


def test_the_change_log_total_is_counted_once_per_state_of_the_data(client, auth):
    first = client.get("/v1/changes?limit=1").get_json()["meta"]["total"]
    with count_queries() as statements:
        assert client.get("/v1/changes?limit=1").get_json()["meta"]["total"] == first
    assert not any("COUNT" in sql for sql in statements)
    assert (
        client.post("/v1/meetings", json=new_meeting(id="logged"), headers=auth).status_code == 201
    )
    assert client.get("/v1/changes?limit=1").get_json()["meta"]["total"] == first + 1
