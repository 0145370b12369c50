"""Every bad input is a 4xx problem, on both databases, and leaves everything stored as it was:
huge integers, numbers that are not whole, repeated keys, local times the clocks skipped,
bodies, URLs and headers over the limits, and import files that are not UTF-8."""

import json

import pytest
from conftest import assert_problem, new_meeting

MEETINGS = "/v1/meetings"
TARGET = "2024-12-11-jp-kr-foreign-ministers-phone-call"  # a seeded meeting
MERGE_PATCH = "application/merge-patch+json"
HUGE = "9" * 5001


def state(client) -> dict:
    """What a refused request leaves as it was: a stored record and its ETag, how many
    meetings there are, and the last change in the log."""
    record = client.get(f"{MEETINGS}/{TARGET}")
    changes = client.get("/v1/changes?limit=1000&type=meeting&type=person&type=source")
    return {
        "record": record.get_json(),
        "etag": record.headers["ETag"],
        "total": client.get(MEETINGS).get_json()["meta"]["total"],
        "last_seq": changes.get_json()["meta"]["next_since"],
    }


def send(client, auth, method: str, text: str | bytes, **kwargs):
    """A write of `text` as it is: a new meeting (POST), the target replaced (PUT) or patched
    (PATCH, as a merge patch), with the target's current ETag."""
    headers = {**auth, "Content-Type": MERGE_PATCH if method == "patch" else "application/json"}
    if method != "post":
        headers["If-Match"] = client.get(f"{MEETINGS}/{TARGET}").headers["ETag"]
    path = MEETINGS if method == "post" else f"{MEETINGS}/{TARGET}"
    return getattr(client, method)(path, data=text, headers=headers, **kwargs)


def refused_json(client, auth, method: str, text: str, named: str) -> dict:
    """The write is refused as invalid JSON, naming what is wrong and where: a 400 for a
    body, a 422 for a merge patch; nothing stored changes."""
    before = state(client)
    response = send(client, auth, method, text)
    if method == "patch":
        problem = assert_problem(response, 422)
        assert problem["errors"] == {"body": ["Expected a JSON object."]}
        assert problem["detail"].startswith(f"The merge patch is not valid JSON: {named}")
    else:
        problem = assert_problem(response, 400)
        assert problem["detail"].startswith(f"The request body is not valid JSON: {named}")
    assert state(client) == before
    return problem


def body_with(method: str, **fields) -> str:
    return json.dumps(fields if method == "patch" else new_meeting(**fields))


WRITES = ["post", "put", "patch"]


# --- Numbers that are not whole -------------------------------------------------------------


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("value", [1.5, 30.0, "30", True])
def test_duration_minutes_takes_whole_numbers_only(client, auth, method, value):
    """1.5 was stored as 1; a string or a boolean is no number either."""
    before = state(client)
    response = send(client, auth, method, body_with(method, duration_minutes=value))
    problem = assert_problem(response, 422, "duration_minutes")
    assert problem["errors"]["duration_minutes"] == ["Not a valid integer."]
    assert state(client) == before


@pytest.mark.parametrize("kind", ["agreed_points", "discussed"])
def test_a_point_position_takes_whole_numbers_only(client, auth, kind):
    before = state(client)
    point = {"text": "Keep in close contact.", "position": 1.5, "quote": "keep in close contact"}
    if kind == "agreed_points":
        point["kind"] = "agreement"
    response = send(client, auth, "post", body_with("post", **{kind: [point]}))
    assert_problem(response, 422, kind)
    assert state(client) == before


# --- Local times the clocks skipped ---------------------------------------------------------

GAP = {"date": "2025-03-09", "start_time": "02:30", "timezone": "America/New_York"}


@pytest.mark.parametrize("method", WRITES)
def test_a_local_time_the_clocks_skipped_is_a_422_on_start_time_saying_why(client, auth, method):
    before = state(client)
    response = send(client, auth, method, body_with(method, **GAP))
    problem = assert_problem(response, 422, "start_time")
    assert problem["errors"]["start_time"] == [
        "There was no 02:30 on 2025-03-09 in America/New_York: the clocks went forward from "
        "02:00 to 03:00."
    ]
    assert state(client) == before


def test_a_local_time_the_clocks_showed_twice_is_the_first_of_the_two(client, auth):
    """01:30 on 2025-11-02 in New York came once in daylight time (05:30 UTC) and again an
    hour later in standard time (06:30 UTC): it is taken as the first, as iCalendar does."""
    body = new_meeting(date="2025-11-02", start_time="01:30", timezone="America/New_York")
    response = send(client, auth, "post", json.dumps(body))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["starts_at"] == "2025-11-02T05:30:00Z"
    after_gap = new_meeting(date="2025-03-09", start_time="03:00", timezone="America/New_York")
    response = send(client, auth, "put", json.dumps(after_gap))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["starts_at"] == "2025-03-09T07:00:00Z"
