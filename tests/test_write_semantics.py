"""PUT and retries as clients expect them, and a link graph with no contradictions.

Every refused write is checked to have changed nothing: the record, its ETag and the last seq
of the change log.
"""

import json

import pytest
from conftest import assert_problem, new_meeting
from test_writes import MEETINGS, create, item, last_seq, patch, post, put

# Seeded: the Japan–Chile meeting names the APEC Ministerial Meeting as its parent, so the
# APEC record shows it as a child.
CHILD = "2023-11-13-jp-cl-foreign-ministers-meeting"
PARENT = "2023-11-apec-ministerial-meeting-san-francisco"


def state(client, meeting_id: str) -> tuple:
    """What a refused write must leave as it was: the record, its ETag, the last seq."""
    response = client.get(item(meeting_id))
    return response.get_json(), response.headers.get("ETag"), last_seq(client)


# --- PUT --------------------------------------------------------------------------------


def test_put_without_if_match_is_428_before_the_body_is_read(client, auth):
    before = state(client, CHILD)
    response = put(client, auth, CHILD, {"title": ""}, None)
    assert_problem(response, 428)
    assert "If-Match" in response.get_json()["detail"]
    assert state(client, CHILD) == before


def test_put_to_an_unknown_id_is_404_before_the_body_is_read(client, auth):
    before = last_seq(client)
    response = put(client, auth, "no-such-meeting", {"title": ""}, '"no-such-meeting.1"')
    assert_problem(response, 404)
    assert "no-such-meeting" in response.get_json()["detail"]
    assert client.get(item("no-such-meeting")).status_code == 404
    assert last_seq(client) == before


def test_put_with_an_old_etag_is_412_before_the_body_is_read(client, auth):
    before = state(client, CHILD)
    response = put(client, auth, CHILD, {"title": ""}, f'"{CHILD}.0"')
    assert_problem(response, 412)
    assert response.headers["ETag"] == before[1]
    assert state(client, CHILD) == before


@pytest.mark.parametrize("meeting_id", [CHILD, PARENT])
def test_put_accepts_the_record_exactly_as_get_returns_it(client, auth, meeting_id):
    got = client.get(item(meeting_id))
    before = state(client, meeting_id)
    response = put(client, auth, meeting_id, got.get_json(), got.headers["ETag"])
    assert response.status_code == 200, response.get_json()
    # Nothing changed, so nothing moved: the same record, revision, ETag and log.
    assert response.headers["ETag"] == got.headers["ETag"]
    assert state(client, meeting_id) == before
    assert response.get_json() == got.get_json()


def test_put_of_a_posted_record_as_get_returns_it_changes_nothing(client, auth):
    create(client, auth, id="posted-bare")  # no evidence given: a GET shows an empty list
    got = client.get(item("posted-bare"))
    assert got.get_json()["evidence"] == []
    before = state(client, "posted-bare")
    response = put(client, auth, "posted-bare", got.get_json(), got.headers["ETag"])
    assert response.status_code == 200, response.get_json()
    assert state(client, "posted-bare") == before


def test_put_as_get_returns_it_changes_nothing_after_a_linked_meeting_is_deleted(client, auth):
    create(client, auth, id="link-target")
    create(client, auth, id="link-holder", related=[{"id": "link-target", "relation": "previous"}])
    tag = client.get(item("link-target")).headers["ETag"]
    assert client.delete(item("link-target"), headers={**auth, "If-Match": tag}).status_code == 204
    got = client.get(item("link-holder"))
    assert got.get_json()["related"] == [] and got.headers["ETag"] == '"link-holder.2"'
    before = state(client, "link-holder")
    response = put(client, auth, "link-holder", got.get_json(), got.headers["ETag"])
    assert response.status_code == 200, response.get_json()
    assert state(client, "link-holder") == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("created_at", "2001-01-01T00:00:00Z"),
        ("updated_at", "2001-01-01T00:00:00Z"),
        ("revision", 7),
        ("starts_at", "2023-11-14T01:00:00Z"),
    ],
)
def test_put_with_a_server_owned_field_unlike_the_stored_one_is_422(client, auth, field, value):
    got = client.get(item(CHILD))
    before = state(client, CHILD)
    body = {**got.get_json(), field: value}
    response = put(client, auth, CHILD, body, got.headers["ETag"])
    problem = assert_problem(response, 422, field)
    assert "server" in problem["errors"][field][0]
    assert state(client, CHILD) == before


def test_post_with_server_owned_fields_is_still_422(client, auth):
    before = last_seq(client)
    response = post(client, auth, new_meeting(revision=1, created_at="2025-01-01T00:00:00Z"))
    assert_problem(response, 422, "revision", "created_at")
    assert last_seq(client) == before


# --- Idempotency-Key ----------------------------------------------------------------------


def test_the_same_json_with_other_spacing_and_key_order_replays(client, auth):
    body = new_meeting(id="idempotent-spacing")
    first = client.post(
        MEETINGS,
        data=json.dumps(body),
        headers={**auth, "Idempotency-Key": "spacing", "Content-Type": "application/json"},
    )
    assert first.status_code == 201
    seq = last_seq(client)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4)
    again = client.post(
        MEETINGS,
        data=reordered,
        headers={**auth, "Idempotency-Key": "spacing", "Content-Type": "application/json"},
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert last_seq(client) == seq


def test_the_same_key_with_other_json_is_still_422(client, auth):
    first = post(client, auth, new_meeting(id="idempotent-a"), **{"Idempotency-Key": "k"})
    assert first.status_code == 201
    seq = last_seq(client)
    other = post(client, auth, new_meeting(id="idempotent-b"), **{"Idempotency-Key": "k"})
    assert_problem(other, 422, "Idempotency-Key")
    assert client.get(item("idempotent-b")).status_code == 404
    assert last_seq(client) == seq


def test_a_failed_request_frees_its_idempotency_key(client, auth):
    seq = last_seq(client)
    failed = post(client, auth, new_meeting(id="Not A Slug"), **{"Idempotency-Key": "free"})
    assert_problem(failed, 422, "id")
    assert last_seq(client) == seq
    retried = post(client, auth, new_meeting(id="freed-key"), **{"Idempotency-Key": "free"})
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


# --- Links ----------------------------------------------------------------------------------


def test_a_meeting_cannot_be_both_parent_and_child_of_another(client, auth):
    create(client, auth, id="link-a")
    create(client, auth, id="link-b", related=[{"id": "link-a", "relation": "parent"}])
    before = state(client, "link-a")
    response = patch(
        client, auth, "link-a", {"related": [{"id": "link-b", "relation": "parent"}]}, before[1]
    )
    problem = assert_problem(response, 422, "related")
    assert "link-a" in problem["detail"] and "link-b" in problem["detail"]
    assert state(client, "link-a") == before
    assert client.get(item("link-b")).get_json()["related"] == [
        {"id": "link-a", "relation": "parent"}
    ]


def test_a_parent_cycle_of_three_is_422_naming_its_links(client, auth):
    create(client, auth, id="cycle-a")
    create(client, auth, id="cycle-b", related=[{"id": "cycle-a", "relation": "parent"}])
    create(client, auth, id="cycle-c", related=[{"id": "cycle-b", "relation": "parent"}])
    before = state(client, "cycle-a")
    response = patch(
        client, auth, "cycle-a", {"related": [{"id": "cycle-c", "relation": "parent"}]}, before[1]
    )
    problem = assert_problem(response, 422, "related")
    for link in ("'cycle-a' parent 'cycle-c'", "'cycle-c' parent 'cycle-b'"):
        assert link in problem["detail"], problem
    assert "'cycle-b' parent 'cycle-a'" in problem["detail"]
    assert state(client, "cycle-a") == before


def test_a_child_link_that_no_parent_link_backs_is_422(client, auth):
    before = last_seq(client)
    response = post(
        client, auth, new_meeting(id="orphan", related=[{"id": CHILD, "relation": "child"}])
    )
    problem = assert_problem(response, 422, "related")
    assert "parent" in problem["detail"]
    assert client.get(item("orphan")).status_code == 404
    assert last_seq(client) == before


def test_a_link_the_other_record_shows_already_is_not_stored_twice(client, auth):
    create(client, auth, id="kid", related=[{"id": PARENT, "relation": "parent"}])
    create(client, auth, id="follower", related=[{"id": PARENT, "relation": "previous"}])
    back = client.get(item(PARENT))
    shown = back.get_json()["related"]
    assert {"id": "kid", "relation": "child"} in shown
    assert {"id": "follower", "relation": "follow_up"} in shown
    before = state(client, PARENT)
    response = put(client, auth, PARENT, back.get_json(), back.headers["ETag"])
    assert response.status_code == 200, response.get_json()
    assert state(client, PARENT) == before
    # Stated again by hand, it is still the other record's link, shown once on each side.
    response = patch(
        client, auth, PARENT, {"related": [{"id": "kid", "relation": "child"}]}, before[1]
    )
    assert response.status_code == 200, response.get_json()
    assert state(client, PARENT) == before
    assert client.get(item("kid")).get_json()["related"] == [{"id": PARENT, "relation": "parent"}]
