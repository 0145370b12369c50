"""`fields=`: only the fields a client names, in JSON lists, NDJSON and single meetings, each
selection its own representation with its own ETag."""

import json

import pytest
from conftest import assert_problem

ITEM = "/v1/meetings/2024-09-06-jp-kr-summit"


def test_an_item_keeps_only_the_fields_named_nested_ones_inside_their_parents(client):
    whole = client.get(ITEM).get_json()
    response = client.get(f"{ITEM}?fields=id,date,parties,participants.person.name")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": whole["id"],
        "date": whole["date"],
        "parties": whole["parties"],
        "participants": [{"person": {"name": p["person"]["name"]}} for p in whole["participants"]],
    }


@pytest.mark.parametrize(
    "fields",
    ["id,participants,participants.person.name", "participants.person.name,participants,id"],
)
def test_a_field_named_whole_and_by_a_part_is_whole(client, fields):
    whole = client.get(ITEM).get_json()
    response = client.get(f"{ITEM}?fields={fields}")
    assert response.get_json() == {"id": whole["id"], "participants": whole["participants"]}
    assert response.headers["ETag"] == client.get(f"{ITEM}?fields=id,participants").headers["ETag"]


def test_each_selection_has_its_own_etag_and_304(client):
    whole = client.get(ITEM)
    some = client.get(f"{ITEM}?fields=id,date")
    same = client.get(f"{ITEM}?fields=date,id,date")
    other = client.get(f"{ITEM}?fields=id,title")
    tags = {r.headers["ETag"] for r in (whole, some, other)}
    assert len(tags) == 3 and same.headers["ETag"] == some.headers["ETag"]
    again = client.get(f"{ITEM}?fields=id,date", headers={"If-None-Match": some.headers["ETag"]})
    assert again.status_code == 304
    # Another selection's tag is not this one's.
    other_tag = {"If-None-Match": whole.headers["ETag"]}
    assert client.get(f"{ITEM}?fields=id,date", headers=other_tag).status_code == 200


def test_a_list_and_its_ndjson_keep_only_the_fields_named(client):
    full = client.get("/v1/meetings?limit=100").get_json()["data"]
    listed = client.get("/v1/meetings?limit=100&fields=id,title,location.city").get_json()["data"]
    assert listed == [
        {
            "id": m["id"],
            "title": m["title"],
            "location": m["location"] and {"city": m["location"]["city"]},
        }
        for m in full
    ]
    lines = client.get("/v1/meetings?fields=id,date", headers={"Accept": "application/x-ndjson"})
    records = [json.loads(line) for line in lines.get_data(as_text=True).splitlines()]
    assert records == [{"id": m["id"], "date": m["date"]} for m in full]


def test_a_search_may_select_its_matches(client):
    listed = client.get("/v1/meetings?q=evacuation&fields=id,matches.field").get_json()["data"]
    assert listed and all(set(m) == {"id", "matches"} for m in listed)
    assert all(set(match) == {"field"} for m in listed for match in m["matches"])


@pytest.mark.parametrize(
    "fields", ["nope", "id,nope", "participants.nope", "id.x", "", ",", "matches"]
)
def test_an_unknown_field_is_a_422_naming_fields(client, fields):
    assert_problem(client.get(f"{ITEM}?fields={fields}"), 422, "fields")
    if fields != "matches":  # a list item has matches; a single meeting has not
        assert_problem(client.get(f"/v1/meetings?fields={fields}"), 422, "fields")
