"""People and sources are shared by every meeting that shows them: a meeting write never
rewrites one; they change at their own URLs (PUT, PATCH with If-Match), and those changes
reach the change feed with the meetings that show them."""

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from click.testing import CliRunner
from conftest import assert_problem, cli_key, serve

from api import db
from api.cli import main
from api.services.seeding import default_seed_files, load_seeds

MERGE = "application/merge-patch+json"
ALL_TYPES = "type=meeting&type=person&type=source"
NEW_ID = "2025-01-10-shared-records-test"
SERVER_OWNED = ("created_at", "updated_at", "revision", "starts_at")


@dataclass
class Seeded:
    """A seeded meeting with no links, as a GET shows it; the person among its participants who
    takes part in the most meetings; and its source, a seeded article's."""

    meeting: dict
    person: str
    source: str

    @property
    def participant(self) -> dict:
        return next(p for p in self.meeting["participants"] if p["person"]["id"] == self.person)


def seeded_records(get) -> Seeded:
    """The records the tests write to, found through `get(path)` (the JSON a GET answers)."""
    for meeting in sorted(get("/v1/meetings?limit=100")["data"], key=lambda m: m["id"]):
        sources = [s["id"] for s in meeting["sources"] if s["seed_file"]]
        if meeting["related"] or not sources or not meeting["participants"]:
            continue
        people = [p["person"]["id"] for p in meeting["participants"]]
        counts = {p: get(f"/v1/people/{p}")["meeting_count"] for p in people}
        person = max(people, key=lambda p: (counts[p], p))
        if counts[person] >= 2 and get(f"/v1/sources/{sources[0]}")["meeting_count"] >= 2:
            return Seeded(meeting, person, sources[0])
    raise AssertionError("the seeds hold no such meeting")


@pytest.fixture
def seeded(client) -> Seeded:
    return seeded_records(lambda path: fetched(client, path).get_json())


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


def write(client, method: str, path: str, auth: dict, body, tag: str | None = None):
    headers = {**auth, "Content-Type": MERGE if method == "patch" else "application/json"}
    if tag is not None:
        headers["If-Match"] = tag
    return client.open(path, method=method.upper(), headers=headers, data=json.dumps(body))


def state(client, seeded: Seeded) -> dict:
    """What a refused write must leave as it was."""
    return {
        "source": fetched(client, f"/v1/sources/{seeded.source}").get_json(),
        "person": fetched(client, f"/v1/people/{seeded.person}").get_json(),
        "meeting": fetched(client, f"/v1/meetings/{seeded.meeting['id']}").get_json(),
        "meetings": client.get("/v1/meetings").get_json()["meta"]["total"],
        "seq": last_seq(client),
    }


def as_written(document: dict, **changed) -> dict:
    """A meeting as a GET shows it, less what the server keeps, with some fields changed."""
    return {**{k: v for k, v in document.items() if k not in SERVER_OWNED}, **changed}


def meeting_write(client, method: str, auth: dict, seeded: Seeded, **changed):
    """A create of a copy of the seeded meeting, or a PUT (of the record exactly as a GET
    returned it) or PATCH of it, with `changed`."""
    if method == "post":
        body = as_written(seeded.meeting, id=NEW_ID, **changed)
        return write(client, "post", "/v1/meetings", auth, body)
    meeting_id = seeded.meeting["id"]
    body = {**seeded.meeting, **changed} if method == "put" else changed
    tag = f'"{meeting_id}.{seeded.meeting["revision"]}"'
    return write(client, method, f"/v1/meetings/{meeting_id}", auth, body, tag)


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_meeting_giving_a_seed_source_otherwise_is_a_409_and_changes_nothing(
    client, auth, seeded, method
):
    before = state(client, seeded)
    hacked = {"id": seeded.source, "publisher": "HACKED", "title": "HACKED"}
    response = meeting_write(client, method, auth, seeded, sources=[hacked])
    problem = assert_problem(response, 409, "sources")
    assert f"/v1/sources/{seeded.source}" in problem["detail"]
    assert "publisher, title" in problem["detail"]
    assert state(client, seeded) == before
    assert before["source"]["publisher"] != "HACKED"
    assert before["source"]["seed_file"] and before["source"]["sha256"]
    assert client.get(f"/v1/meetings/{NEW_ID}").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_meeting_giving_a_person_otherwise_is_a_409_and_changes_nothing(
    client, auth, seeded, method
):
    before = state(client, seeded)
    hacked = {**seeded.participant, "person": {"id": seeded.person, "name": "Hacked Name"}}
    response = meeting_write(client, method, auth, seeded, participants=[hacked])
    problem = assert_problem(response, 409, "participants")
    assert f"/v1/people/{seeded.person}" in problem["detail"]
    assert state(client, seeded) == before
    assert before["person"]["name"] != "Hacked Name"
    assert client.get(f"/v1/meetings/{NEW_ID}").status_code == 404


def test_a_meeting_may_give_people_and_sources_as_a_get_shows_them(client, auth, seeded):
    before = state(client, seeded)
    # The whole record as a GET shows it: people as {id, name}, sources without their sha256.
    response = meeting_write(client, "put", auth, seeded)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == seeded.meeting  # nothing changed, not even the revision
    created = meeting_write(client, "post", auth, seeded)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["sources"] == seeded.meeting["sources"]
    assert created.get_json()["participants"] == seeded.meeting["participants"]
    after = state(client, seeded)
    for kind in ("source", "person"):
        assert after[kind]["meeting_count"] == before[kind]["meeting_count"] + 1
        kept = {k: v for k, v in after[kind].items() if k not in ("meeting_count", "meetings")}
        assert kept == {k: before[kind][k] for k in kept}
    assert [(c["type"], c["id"]) for c in changes(client, before["seq"])] == [("meeting", NEW_ID)]


def test_fields_left_out_of_a_given_record_are_kept(client, auth, seeded):
    before = state(client, seeded)["person"]
    given = {**seeded.participant, "person": {"id": seeded.person}}
    response = meeting_write(client, "post", auth, seeded, participants=[given])
    assert response.status_code == 201, response.get_json()
    after = fetched(client, f"/v1/people/{seeded.person}").get_json()
    assert {k: v for k, v in after.items() if k not in ("meeting_count", "meetings")} == {
        k: v for k, v in before.items() if k not in ("meeting_count", "meetings")
    }


NEW_SOURCE = {"id": "new-article", "publisher": "Example Wire", "title": "New"}
NEW_PERSON = {"id": "new-person", "name": "Aki Tanaka"}


@pytest.mark.parametrize(
    "case, field, words",
    [
        ("seed_file", "sources", "seed_file"),
        ("sha256", "sources", "sha256"),
        ("person without a country", "participants", "country"),
        ("person given two ways", "participants", "name"),
    ],
)
def test_a_new_record_given_by_a_meeting_is_checked(client, auth, seeded, case, field, words):
    before = state(client, seeded)
    country = {"country": seeded.participant["country"]}
    change = {
        # (Without the seeded source's evidence, which would rest on a source not cited.)
        "seed_file": {"sources": [{**NEW_SOURCE, "seed_file": "x.txt"}], "evidence": []},
        "sha256": {"sources": [{**NEW_SOURCE, "sha256": "0" * 64}], "evidence": []},
        "person without a country": {
            "participants": [{**seeded.participant, "person": NEW_PERSON}]
        },
        "person given two ways": {
            "participants": [
                {**seeded.participant, "person": {**NEW_PERSON, **country}},
                # (In another role: the same person in the same role twice is a duplicate.)
                {
                    **seeded.participant,
                    "title": "Envoy",
                    "person": {**NEW_PERSON, **country, "name": "Aki Sato"},
                },
            ]
        },
    }[case]
    response = meeting_write(client, "post", auth, seeded, **change)
    problem = assert_problem(response, 422, field)
    assert words in problem["detail"]
    assert state(client, seeded) == before
    assert client.get("/v1/sources/new-article").status_code == 404
    assert client.get("/v1/people/new-person").status_code == 404


def test_an_import_giving_a_seed_source_otherwise_stores_nothing(
    client, seeded, database_url, tmp_path, monkeypatch
):
    before = state(client, seeded)
    hacked = {"id": seeded.source, "publisher": "HACKED", "title": "HACKED"}
    record = as_written(seeded.meeting, id=NEW_ID, sources=[hacked])
    (tmp_path / "in.json").write_text(json.dumps([record]))
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["import", str(tmp_path / "in.json")])
    assert result.exit_code != 0
    assert f"/v1/sources/{seeded.source}" in result.output
    assert state(client, seeded) == before


# --- A person's and a source's own writes -------------------------------------------------------


def test_get_of_a_person_or_source_has_a_strong_etag_and_304(client, seeded):
    for path in (f"/v1/people/{seeded.person}", f"/v1/sources/{seeded.source}"):
        record_id = path.rsplit("/", 1)[1]
        response = fetched(client, path)
        assert response.headers["ETag"] == f'"{record_id}.1"'
        assert response.get_json()["revision"] == 1
        again = client.get(path, headers={"If-None-Match": f'"{record_id}.1"'})
        assert again.status_code == 304 and again.headers["ETag"] == f'"{record_id}.1"'


def test_patch_of_a_person_renames_them_in_every_meeting_and_the_feed_says_so(client, auth, seeded):
    path = f"/v1/people/{seeded.person}"
    shown = fetched(client, path).get_json()
    meetings = {m["meeting"]["id"] for m in shown["meetings"]}
    revisions = {m: fetched(client, f"/v1/meetings/{m}").get_json()["revision"] for m in meetings}
    since = last_seq(client)
    response = write(client, "patch", path, auth, {"name": "Zorro Renamed"}, f'"{seeded.person}.1"')
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == f'"{seeded.person}.2"'
    body = response.get_json()
    assert (body["name"], body["revision"], body["country"]) == (
        "Zorro Renamed",
        2,
        shown["country"],
    )
    for meeting_id in meetings:
        document = fetched(client, f"/v1/meetings/{meeting_id}").get_json()
        assert {"id": seeded.person, "name": "Zorro Renamed"} in [
            p["person"] for p in document["participants"]
        ]
        assert document["revision"] == revisions[meeting_id] + 1
    found = client.get("/v1/meetings?q=zorro&limit=100").get_json()["data"]
    assert {m["id"] for m in found} == meetings
    logged = [(c["type"], c["id"], c["op"], c["revision"]) for c in changes(client, since)]
    assert logged[0] == ("person", seeded.person, "updated", 2)
    assert sorted(logged[1:]) == sorted(
        ("meeting", m, "updated", revisions[m] + 1) for m in meetings
    )
    # The default feed, as consumers from before `type` read it, holds the meetings only.
    assert sorted(c["id"] for c in changes(client, since, query="")) == sorted(meetings)


def test_put_of_a_person_as_get_shows_them_with_a_new_name(client, auth, seeded):
    path = f"/v1/people/{seeded.person}"
    shown = fetched(client, path).get_json()
    tag = f'"{seeded.person}.1"'
    response = write(client, "put", path, auth, {**shown, "name": "Zorro Renamed"}, tag)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer == {
        **shown,
        "name": "Zorro Renamed",
        "revision": 2,
        "updated_at": answer["updated_at"],
    }
    # A PUT of what is stored changes nothing.
    same = write(client, "put", path, auth, answer, response.headers["ETag"])
    assert same.status_code == 200 and same.get_json() == answer


def test_patch_and_put_of_a_source_keep_its_article(client, auth, seeded):
    path = f"/v1/sources/{seeded.source}"
    shown = fetched(client, path).get_json()
    article = (shown["seed_file"], shown["sha256"])
    since = last_seq(client)
    tag = f'"{seeded.source}.1"'
    response = write(client, "patch", path, auth, {"title": "Corrected"}, tag)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "Corrected"
    assert (response.get_json()["seed_file"], response.get_json()["sha256"]) == article
    for meeting in shown["meetings"]:
        document = fetched(client, f"/v1/meetings/{meeting['id']}").get_json()
        assert "Corrected" in [s["title"] for s in document["sources"]]
    logged = changes(client, since)
    assert (logged[0]["type"], logged[0]["id"], logged[0]["revision"]) == (
        "source",
        seeded.source,
        2,
    )
    assert {c["id"] for c in logged[1:]} == {m["id"] for m in shown["meetings"]}
    # A PUT that leaves the article's fields out keeps them too.
    body = {"publisher": shown["publisher"], "title": "Again"}
    put = write(client, "put", path, auth, body, response.headers["ETag"])
    assert put.status_code == 200, put.get_json()
    assert (put.get_json()["title"], put.get_json()["revision"]) == ("Again", 3)
    assert (put.get_json()["seed_file"], put.get_json()["sha256"]) == article


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
def test_bad_writes_to_a_source_are_422_and_change_nothing(
    client, auth, seeded, method, body, field
):
    path = f"/v1/sources/{seeded.source}"
    before, seq = fetched(client, path).get_json(), last_seq(client)
    response = write(client, method, path, auth, body, f'"{seeded.source}.1"')
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
        ("patch", {"meetings": []}, "meetings"),
    ],
)
def test_bad_writes_to_a_person_are_422_and_change_nothing(
    client, auth, seeded, method, body, field
):
    path = f"/v1/people/{seeded.person}"
    before, seq = fetched(client, path).get_json(), last_seq(client)
    response = write(client, method, path, auth, body, f'"{seeded.person}.1"')
    assert_problem(response, 422, field)
    assert fetched(client, path).get_json() == before and last_seq(client) == seq


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("kind", ["people", "sources"])
def test_preconditions_keys_and_ids_of_shared_writes(client, auth, seeded, method, kind):
    record_id = seeded.person if kind == "people" else seeded.source
    path = f"/v1/{kind}/{record_id}"
    before, seq = fetched(client, path).get_json(), last_seq(client)
    body = {"title": "Corrected"}
    if kind == "people":
        body = {"name": "Zorro Renamed", "country": before["country"]}
    assert_problem(write(client, method, path, {}, body, f'"{record_id}.1"'), 401)
    assert_problem(write(client, method, path, auth, body), 428)
    stale = write(client, method, path, auth, body, f'"{record_id}.0"')
    assert_problem(stale, 412)
    assert stale.headers["ETag"] == f'"{record_id}.1"'
    unknown = f"/v1/{kind}/no-such-record"
    assert_problem(write(client, method, unknown, auth, body, '"no-such-record.1"'), 404)
    assert fetched(client, path).get_json() == before and last_seq(client) == seq
    done = write(client, method, path, auth, body, f'"{record_id}.1"')
    assert done.status_code == 200, done.get_json()
    assert done.headers["ETag"] == f'"{record_id}.2"'
    assert_problem(write(client, method, path, auth, body, f'"{record_id}.1"'), 412)


def test_seeding_still_updates_the_people_and_sources_it_states(client, app, seeded, tmp_path):
    stated = rf"(id: {re.escape(seeded.person)}\b.*?name: )([^\n,}}]+)"
    for path in default_seed_files():
        text = path.read_text(encoding="utf-8")
        if re.search(rf"^  - (?:\{{)?id: {re.escape(seeded.person)}\b", text, re.M):
            break
    changed = re.sub(stated, r"\1Zorro Renamed", text, count=1, flags=re.S)
    assert changed != text
    seed = tmp_path / path.name
    seed.write_text(changed, encoding="utf-8")
    since = last_seq(client)
    with app.app_context(), db.db.connection_context():
        load_seeds([seed])
    person = fetched(client, f"/v1/people/{seeded.person}").get_json()
    assert (person["name"], person["revision"]) == ("Zorro Renamed", 2)
    logged = changes(client, since)
    assert (logged[0]["type"], logged[0]["id"], logged[0]["revision"]) == (
        "person",
        seeded.person,
        2,
    )


# --- Against the real server --------------------------------------------------------------------

ROUNDS = 5
WRITERS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases):
    folder = tmp_path_factory.mktemp("shared-records")
    env = {**os.environ, "DATABASE_URL": databases.seeded(), "MEETINGS_WRITE_RATE_LIMIT": "off"}
    headers = {"Authorization": f"Bearer {cli_key(env, 'race')}", "Content-Type": MERGE}
    with serve(folder, env, workers=4) as running:

        def get(path: str) -> dict:
            return requests.get(running["base"] + path, timeout=10).json()

        yield {**running, "headers": headers, "seeded": seeded_records(get)}


def patched_at_once(headers: dict, writes: list[tuple[str, dict, str]]) -> list:
    """Each (url, merge patch, If-Match) sent at once, one thread each; their answers."""

    def send(write):
        url, body, tag = write
        return requests.patch(url, json=body, headers={**headers, "If-Match": tag}, timeout=30)

    with ThreadPoolExecutor(len(writes)) as pool:
        return list(pool.map(send, writes))


@pytest.mark.e2e
def test_concurrent_patches_of_one_person_have_exactly_one_winner(server):
    url = f"{server['base']}/v1/people/{server['seeded'].person}"
    for round_number in range(ROUNDS):
        tag = requests.get(url, timeout=10).headers["ETag"]
        # Each writer sends a name of its own: a patch that changed nothing would keep the ETag.
        bodies = [{"name": f"Writer {n} of round {round_number}"} for n in range(WRITERS)]
        answers = patched_at_once(server["headers"], [(url, body, tag) for body in bodies])
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [412] * (WRITERS - 1), (round_number, statuses)
        winner = next(a for a in answers if a.status_code == 200)
        stored = requests.get(url, timeout=10)
        assert stored.json()["name"] == winner.json()["name"]
        assert stored.headers["ETag"] == winner.headers["ETag"] != tag


@pytest.mark.e2e
def test_a_person_and_the_meetings_showing_them_written_at_once(server):
    base, headers, person = server["base"], server["headers"], server["seeded"].person
    url = f"{base}/v1/people/{person}"
    meetings = [m["meeting"]["id"] for m in requests.get(url, timeout=10).json()["meetings"]]
    for round_number in range(ROUNDS):
        name = f"Renamed in round {round_number}"
        writes = [(url, {"name": name}, requests.get(url, timeout=10).headers["ETag"])]
        revisions = {}
        for meeting_id in meetings:
            found = requests.get(f"{base}/v1/meetings/{meeting_id}", timeout=10)
            revisions[meeting_id] = found.json()["revision"]
            body = {"summary": f"Written in round {round_number}."}
            writes.append((f"{base}/v1/meetings/{meeting_id}", body, found.headers["ETag"]))
        answers = patched_at_once(headers, writes)
        # The person's write bumps every meeting that shows them: a meeting's own write then
        # finds its ETag old (412), or came first. Neither waits on the other for good.
        assert answers[0].status_code == 200, answers[0].text
        assert {a.status_code for a in answers[1:]} <= {200, 412}, [a.text for a in answers]
        for meeting_id, answer in zip(meetings, answers[1:], strict=True):
            shown = requests.get(f"{base}/v1/meetings/{meeting_id}", timeout=10).json()
            assert {"id": person, "name": name} in [p["person"] for p in shown["participants"]]
            assert shown["revision"] == revisions[meeting_id] + 1 + (answer.status_code == 200)


def test_every_seeded_source_says_on_what_terms_it_is_quoted(client):
    sources = client.get("/v1/sources?limit=100").get_json()["data"]
    assert sources
    for source in sources:
        assert "quote short passages" in source["rights"], source["id"]
        shown = client.get(f"/v1/sources/{source['id']}").get_json()
        assert shown["rights"] == source["rights"]


@pytest.mark.parametrize(
    ("kind", "field", "blank"),
    [
        ("people", "name", "   "),
        ("people", "sort_name", "\t"),
        ("people", "name", "\u200b"),
        ("sources", "title", "  "),
        ("sources", "publisher", "\u00a0"),
        ("sources", "publisher", "\u180e\u00ad"),
    ],
)
def test_a_patch_leaving_only_white_space_is_a_422_and_changes_nothing(
    client, auth, seeded, kind, field, blank
):
    record = seeded.person if kind == "people" else seeded.source
    before = state(client, seeded)
    tag = fetched(client, f"/v1/{kind}/{record}").headers["ETag"]
    response = write(client, "patch", f"/v1/{kind}/{record}", auth, {field: blank}, tag)
    assert_problem(response, 422, field)
    assert state(client, seeded) == before
