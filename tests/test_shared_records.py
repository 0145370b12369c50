"""People and sources are shared by every meeting that shows them: a meeting write never
rewrites one; they change at their own URLs (PUT, PATCH with If-Match), and those changes
reach the change feed with the meetings that show them."""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from click.testing import CliRunner
from conftest import assert_problem, cli_key, new_meeting, serve

from api import db
from api.cli import main
from api.seeding import default_seed_files, load_seeds

MERGE = "application/merge-patch+json"
ALL_TYPES = "type=meeting&type=person&type=source"
# A seeded source backing five meetings, and a seeded person taking part in five.
SEED_SOURCE = "korea-herald-2002-06-28-korea-japan-new-partnership-summit"
SEED_PERSON = "dae-jung-kim"
# A seeded meeting showing both, with no links to other meetings.
SEED_MEETING = "2002-jp-kr-world-cup-final-kim-emperor"
NEW_ID = "2025-01-10-jp-kr-foreign-ministers"
SERVER_OWNED = ("created_at", "updated_at", "revision", "starts_at")


def changes(client, since: int = 0, query: str = ALL_TYPES) -> list[dict]:
    """Every change after `since`, following `links.next` to the end."""
    found, url = [], f"/v1/changes?since={since}&limit=100&{query}"
    while True:
        body = client.get(url).get_json()
        found += body["data"]
        if not body["data"]:
            return found
        url = body["links"]["next"]


def last_seq(client) -> int:
    return client.get(f"/v1/changes?limit=1000&{ALL_TYPES}").get_json()["meta"]["next_since"]


def fetched(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return response


def write(client, method: str, path: str, auth: dict, body, tag: str | None = None, **headers):
    if tag is not None:
        headers["If-Match"] = tag
    if method == "patch":
        headers.setdefault("Content-Type", MERGE)
        return client.patch(path, headers={**auth, **headers}, json=body)
    return getattr(client, method)(path, headers={**auth, **headers}, json=body)


def state(client) -> dict:
    """What a refused write must leave as it was."""
    return {
        "source": fetched(client, f"/v1/sources/{SEED_SOURCE}").get_json(),
        "person": fetched(client, f"/v1/people/{SEED_PERSON}").get_json(),
        "meeting": fetched(client, f"/v1/meetings/{SEED_MEETING}").get_json(),
        "meetings": client.get("/v1/meetings").get_json()["meta"]["total"],
        "seq": last_seq(client),
    }


def as_written(document: dict) -> dict:
    """A meeting as a GET shows it, less what the server keeps."""
    return {k: v for k, v in document.items() if k not in SERVER_OWNED}


HACKED_SOURCE = {"id": SEED_SOURCE, "publisher": "HACKED", "title": "HACKED"}
HACKED_PERSON = {
    "person": {"id": SEED_PERSON, "name": "Hacked Name", "country": "KR"},
    "country": "KR",
    "title": "President",
}


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_meeting_giving_a_seed_source_otherwise_is_a_409_and_changes_nothing(
    client, auth, method
):
    before = state(client)
    if method == "post":
        response = write(client, "post", "/v1/meetings", auth, new_meeting(sources=[HACKED_SOURCE]))
    else:
        path, tag = f"/v1/meetings/{SEED_MEETING}", f'"{SEED_MEETING}.1"'
        body = {**as_written(before["meeting"]), "sources": [HACKED_SOURCE]}
        response = write(client, method, path, auth, body, tag)
    problem = assert_problem(response, 409, "sources")
    assert f"/v1/sources/{SEED_SOURCE}" in problem["detail"]
    assert "publisher, title" in problem["detail"]
    after = state(client)
    assert after == before
    assert after["source"]["publisher"] == "The Korea Herald"
    assert after["source"]["seed_file"] and after["source"]["sha256"]
    assert client.get(f"/v1/meetings/{NEW_ID}").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_meeting_giving_a_person_otherwise_is_a_409_and_changes_nothing(client, auth, method):
    before = state(client)
    if method == "post":
        participants = [HACKED_PERSON, new_meeting()["participants"][0]]
        body = new_meeting(parties=["JP", "KR"], participants=participants)
        response = write(client, "post", "/v1/meetings", auth, body)
    else:
        path, tag = f"/v1/meetings/{SEED_MEETING}", f'"{SEED_MEETING}.1"'
        body = {**as_written(before["meeting"]), "participants": [HACKED_PERSON]}
        response = write(client, method, path, auth, body, tag)
    problem = assert_problem(response, 409, "participants")
    assert f"/v1/people/{SEED_PERSON}" in problem["detail"]
    assert state(client) == before
    assert before["person"]["name"] == "Dae-jung Kim"


def test_a_meeting_may_give_people_and_sources_as_a_get_shows_them(client, auth):
    before = state(client)
    shown = before["meeting"]
    assert shown["related"] == []
    # The whole record as GET shows it: people as {id, name}, sources without their sha256.
    response = write(
        client,
        "put",
        f"/v1/meetings/{SEED_MEETING}",
        auth,
        as_written(shown),
        f'"{SEED_MEETING}.1"',
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == shown  # nothing changed, not even the revision
    created = write(
        client,
        "post",
        "/v1/meetings",
        auth,
        new_meeting(
            parties=["JP", "KR"],
            participants=shown["participants"],
            sources=shown["sources"],
        ),
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["sources"] == shown["sources"]
    after = state(client)
    assert after["source"] == {
        **before["source"],
        "meeting_count": 6,
        "meetings": after["source"]["meetings"],
    }
    assert after["source"]["revision"] == 1 and after["person"]["revision"] == 1
    assert [c["type"] for c in changes(client, before["seq"])] == ["meeting"]


def test_fields_left_out_of_a_given_record_are_kept(client, auth):
    before = state(client)["person"]
    person = {"id": SEED_PERSON, "country": "KR"}
    participants = [{"person": person, "country": "KR", "title": "President"}]
    response = write(client, "post", "/v1/meetings", auth, new_meeting(participants=participants))
    assert response.status_code == 201, response.get_json()
    after = fetched(client, f"/v1/people/{SEED_PERSON}").get_json()
    assert {**after, "meetings": [], "meeting_count": 0} == {
        **before,
        "meetings": [],
        "meeting_count": 0,
    }


@pytest.mark.parametrize(
    "given, field, words",
    [
        ({"sources": [{"id": "new-article", "seed_file": "x.txt"}]}, "sources", "seed_file"),
        ({"sources": [{"id": "new-article", "sha256": "0" * 64}]}, "sources", "sha256"),
        (
            {
                "participants": [
                    {
                        "person": {"id": "no-country", "name": "A B"},
                        "country": "JP",
                        "title": "Minister",
                    }
                ]
            },
            "participants",
            "country",
        ),
    ],
)
def test_a_new_record_given_by_a_meeting_is_checked(client, auth, given, field, words):
    before = state(client)
    response = write(client, "post", "/v1/meetings", auth, new_meeting(**given))
    problem = assert_problem(response, 422, field)
    assert words in problem["detail"]
    assert state(client) == before


def test_one_record_given_two_ways_in_a_write_is_a_422(client, auth):
    before = state(client)
    first = {"id": "new-article", "title": "One"}
    second = {"id": "new-article", "title": "Two"}
    response = write(client, "post", "/v1/meetings", auth, new_meeting(sources=[first, second]))
    assert_problem(response, 422, "sources")
    assert state(client) == before


def test_an_import_giving_a_seed_source_otherwise_stores_nothing(
    client, auth, database_url, tmp_path, monkeypatch
):
    before = state(client)
    record = {**new_meeting(id=NEW_ID), "sources": [HACKED_SOURCE]}
    (tmp_path / "in.json").write_text(json.dumps([record]))
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["import", str(tmp_path / "in.json")])
    assert result.exit_code != 0
    assert f"/v1/sources/{SEED_SOURCE}" in result.output
    assert state(client) == before


# --- A person's and a source's own writes -------------------------------------------------------


def test_get_of_a_person_or_source_has_a_strong_etag_and_304(client):
    for path, record_id in (
        (f"/v1/people/{SEED_PERSON}", SEED_PERSON),
        (f"/v1/sources/{SEED_SOURCE}", SEED_SOURCE),
    ):
        response = fetched(client, path)
        assert response.headers["ETag"] == f'"{record_id}.1"'
        assert response.get_json()["revision"] == 1
        again = client.get(path, headers={"If-None-Match": f'"{record_id}.1"'})
        assert again.status_code == 304 and again.headers["ETag"] == f'"{record_id}.1"'


def test_patch_of_a_person_renames_them_in_every_meeting_and_the_feed_says_so(client, auth):
    path = f"/v1/people/{SEED_PERSON}"
    shown = fetched(client, path).get_json()
    meetings = {m["meeting"]["id"] for m in shown["meetings"]}
    assert len(meetings) == 5
    revisions = {m: fetched(client, f"/v1/meetings/{m}").get_json()["revision"] for m in meetings}
    since = last_seq(client)
    response = write(client, "patch", path, auth, {"name": "Kim Dae-jung"}, f'"{SEED_PERSON}.1"')
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == f'"{SEED_PERSON}.2"'
    body = response.get_json()
    assert (body["name"], body["given_name"], body["revision"]) == ("Kim Dae-jung", "Dae-jung", 2)
    for meeting_id in meetings:
        document = fetched(client, f"/v1/meetings/{meeting_id}").get_json()
        assert {"id": SEED_PERSON, "name": "Kim Dae-jung"} in [
            p["person"] for p in document["participants"]
        ]
        assert document["revision"] == revisions[meeting_id] + 1
    found = client.get("/v1/meetings?q=kim%20dae-jung&limit=100").get_json()["data"]
    assert {m["id"] for m in found} >= meetings
    logged = changes(client, since)
    shown = [(c["type"], c["id"], c["op"], c["revision"]) for c in logged]
    assert shown[0] == ("person", SEED_PERSON, "updated", 2)
    assert sorted(shown[1:]) == sorted(
        ("meeting", m, "updated", revisions[m] + 1) for m in meetings
    )
    # The default feed, as consumers before `type` read it, holds the meetings only.
    assert sorted(c["id"] for c in changes(client, since, query="")) == sorted(meetings)


def test_put_of_a_person_as_get_shows_them_with_a_new_name(client, auth):
    path = f"/v1/people/{SEED_PERSON}"
    shown = fetched(client, path).get_json()
    response = write(
        client, "put", path, auth, {**shown, "name": "Kim Dae-jung"}, f'"{SEED_PERSON}.1"'
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        **shown,
        "name": "Kim Dae-jung",
        "revision": 2,
        "updated_at": response.get_json()["updated_at"],
    }
    # A PUT of what is stored changes nothing.
    same = write(client, "put", path, auth, response.get_json(), response.headers["ETag"])
    assert same.status_code == 200 and same.get_json()["revision"] == 2


def test_patch_of_a_source_keeps_its_article(client, auth):
    path = f"/v1/sources/{SEED_SOURCE}"
    shown = fetched(client, path).get_json()
    since = last_seq(client)
    response = write(client, "patch", path, auth, {"title": "Corrected"}, f'"{SEED_SOURCE}.1"')
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "Corrected"
    assert (response.get_json()["seed_file"], response.get_json()["sha256"]) == (
        shown["seed_file"],
        shown["sha256"],
    )
    for meeting in shown["meetings"]:
        document = fetched(client, f"/v1/meetings/{meeting['id']}").get_json()
        assert "Corrected" in [s["title"] for s in document["sources"]]
    logged = changes(client, since)
    assert logged[0]["type"] == "source" and logged[0]["revision"] == 2
    assert {c["id"] for c in logged[1:]} == {m["id"] for m in shown["meetings"]}
    # A PUT that leaves the article's fields out keeps them too.
    body = {"publisher": "The Korea Herald", "title": "Again"}
    put = write(client, "put", path, auth, body, response.headers["ETag"])
    assert put.status_code == 200, put.get_json()
    assert (put.get_json()["seed_file"], put.get_json()["sha256"]) == (
        shown["seed_file"],
        shown["sha256"],
    )


@pytest.mark.parametrize(
    "method, body, field",
    [
        ("patch", {"sha256": "0" * 64}, "sha256"),
        ("patch", {"seed_file": None}, "seed_file"),
        ("patch", {"seed_file": "other.txt"}, "seed_file"),
        ("put", {"title": "T", "sha256": "0" * 64}, "sha256"),
        ("patch", {"revision": 7}, "revision"),
        ("patch", {"meeting_count": 0}, "meeting_count"),
        ("patch", {"url": "not a url"}, "url"),
        ("patch", {"published_at": "yesterday"}, "published_at"),
        ("put", {"id": "another-id"}, "id"),
        ("patch", {"colour": "blue"}, "colour"),
    ],
)
def test_bad_writes_to_a_source_are_422_and_change_nothing(client, auth, method, body, field):
    path = f"/v1/sources/{SEED_SOURCE}"
    before, seq = fetched(client, path).get_json(), last_seq(client)
    response = write(client, method, path, auth, body, f'"{SEED_SOURCE}.1"')
    assert_problem(response, 422, field)
    assert fetched(client, path).get_json() == before and last_seq(client) == seq


@pytest.mark.parametrize(
    "method, body, field",
    [
        ("patch", {"country": "XX"}, "country"),
        ("patch", {"name": ""}, "name"),
        ("patch", {"name": None}, "name"),
        ("put", {"name": "No Country"}, "country"),
        ("put", {"id": "another-id", "name": "A", "country": "KR"}, "id"),
        ("patch", {"created_at": "2000-01-01T00:00:00Z"}, "created_at"),
    ],
)
def test_bad_writes_to_a_person_are_422_and_change_nothing(client, auth, method, body, field):
    path = f"/v1/people/{SEED_PERSON}"
    before, seq = fetched(client, path).get_json(), last_seq(client)
    response = write(client, method, path, auth, body, f'"{SEED_PERSON}.1"')
    assert_problem(response, 422, field)
    assert fetched(client, path).get_json() == before and last_seq(client) == seq


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize(
    "path, body",
    [
        (f"/v1/people/{SEED_PERSON}", {"name": "Kim Dae-jung", "country": "KR"}),
        (f"/v1/sources/{SEED_SOURCE}", {"title": "Corrected"}),
    ],
)
def test_preconditions_keys_and_ids_of_shared_writes(client, auth, method, path, body):
    record_id = path.rsplit("/", 1)[1]
    before, seq = fetched(client, path).get_json(), last_seq(client)
    assert_problem(write(client, method, path, {}, body, f'"{record_id}.1"'), 401)
    assert_problem(write(client, method, path, auth, body), 428)
    stale = write(client, method, path, auth, body, f'"{record_id}.0"')
    assert_problem(stale, 412)
    assert stale.headers["ETag"] == f'"{record_id}.1"'
    unknown = path.rsplit("/", 1)[0] + "/no-such-record"
    assert_problem(write(client, method, unknown, auth, body, '"no-such-record.1"'), 404)
    assert fetched(client, path).get_json() == before and last_seq(client) == seq
    done = write(client, method, path, auth, body, f'"{record_id}.1"')
    assert done.status_code == 200, done.get_json()
    assert_problem(write(client, method, path, auth, body, f'"{record_id}.1"'), 412)


def test_seeding_still_updates_the_people_and_sources_it_states(client, app, tmp_path):
    text = default_seed_files()[4].read_text(encoding="utf-8")
    changed = text.replace("name: Dae-jung Kim", "name: Kim Dae-jung", 1)
    assert changed != text
    seed = tmp_path / "004.yaml"
    seed.write_text(changed, encoding="utf-8")
    since = last_seq(client)
    with app.app_context(), db.db.connection_context():
        load_seeds([seed])
    person = fetched(client, f"/v1/people/{SEED_PERSON}").get_json()
    assert (person["name"], person["revision"]) == ("Kim Dae-jung", 2)
    logged = changes(client, since)
    assert logged[0] == {**logged[0], "type": "person", "id": SEED_PERSON, "revision": 2}


# --- Against the real server --------------------------------------------------------------------

ROUNDS = 5
WRITERS = 6


@pytest.mark.e2e
def test_concurrent_patches_of_one_person_have_exactly_one_winner(tmp_path, databases):
    env = {**os.environ, "DATABASE_URL": databases.seeded(), "MEETINGS_WRITE_RATE_LIMIT": "off"}
    headers = {"Authorization": f"Bearer {cli_key(env, 'race')}", "Content-Type": MERGE}
    with serve(tmp_path, env, workers=4) as server:
        url = f"{server['base']}/v1/people/{SEED_PERSON}"

        def patch(number: int, tag: str) -> requests.Response:
            body = json.dumps({"name": f"Writer {number} at {tag}"})  # each one a change
            return requests.patch(url, data=body, headers={**headers, "If-Match": tag}, timeout=30)

        for round_number in range(ROUNDS):
            tag = requests.get(url, timeout=10).headers["ETag"]
            with ThreadPoolExecutor(WRITERS) as pool:
                answers = list(pool.map(patch, range(WRITERS), [tag] * WRITERS))
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200] + [412] * (WRITERS - 1), (round_number, statuses)
            winner = next(a for a in answers if a.status_code == 200).json()
            stored = requests.get(url, timeout=10)
            assert stored.json()["name"] == winner["name"]
            assert stored.json()["revision"] == round_number + 2
            assert stored.headers["ETag"] == f'"{SEED_PERSON}.{round_number + 2}"'
