"""Renamed records keep their old ids: a read is a 308 to the new URL, a write a 409 naming
the new id, and records and the change feed list the aliases."""

import pytest
from click.testing import CliRunner
from conftest import assert_problem, new_meeting

from api import db
from api.cli import main
from api.models import Alias
from api.services.seeding import default_seed_files

RENAMED_PEOPLE = {
    "tae-yul-cho": "cho-tae-yul",
    "jae-in-moon": "moon-jae-in",
    "keqiang-li": "li-keqiang",
    "suk-yeol-yoon": "yoon-suk-yeol",
    "dae-jung-kim": "kim-dae-jung",
    "emperor-akihito": "akihito",
}
OLD_MEETING = "2024-12-11-jp-kr-foreign-ministers-phone-call"
NEW_MEETING = "2024-12-11-jp-kr-foreign-ministers-phone-talks"
OLD_SOURCE = "yomiuri-2024-12-12-iwaya-cho-phone-talks"
NEW_SOURCE = "japan-news-2024-12-12-iwaya-cho-phone-talks"


@pytest.fixture
def renamed(database_url, tmp_path, monkeypatch):
    """The seeds loaded again with the phone call and its source renamed, as a later
    correction of the seed files would rename them."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    files = []
    for path in default_seed_files():
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("000_"):
            text = text.replace(OLD_SOURCE, NEW_SOURCE)
            text = text.replace(
                f"  id: {NEW_SOURCE}\n", f"  id: {NEW_SOURCE}\n  aliases: [{OLD_SOURCE}]\n"
            )
            text = text.replace(
                f"  - id: {OLD_MEETING}\n", f"  - id: {NEW_MEETING}\n    aliases: [{OLD_MEETING}]\n"
            )
        files.append(tmp_path / path.name)
        files[-1].write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["seed", *map(str, files)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED_PEOPLE.items()))
def test_a_renamed_persons_old_id_redirects(client, old, new):
    response = client.get(f"/v1/people/{old}?limit=1")
    assert response.status_code == 308
    assert response.headers["Location"] == f"/v1/people/{new}?limit=1"
    person = client.get(response.headers["Location"]).get_json()
    assert old in person["aliases"] and person["id"] == new
    assert client.head(f"/v1/people/{old}").status_code == 308
    # As the spec documents it: the record's id, the old one, and its URL.
    assert response.get_json() == {"id": new, "renamed_from": old, "location": response.location}
    spec = client.get("/v1/openapi.json").get_json()
    for path in ("/v1/meetings/{meeting_id}", "/v1/people/{person_id}", "/v1/sources/{source_id}"):
        assert spec["paths"][path]["get"]["responses"]["308"] == {
            "$ref": "#/components/responses/RENAMED"
        }


def test_writes_to_an_old_person_id_are_409_naming_the_new_id(client, auth):
    headers = {**auth, "If-Match": "*", "Content-Type": "application/merge-patch+json"}
    response = client.patch("/v1/people/jae-in-moon", data="{}", headers=headers)
    problem = assert_problem(response, 409, "id")
    assert "'moon-jae-in'" in problem["detail"] and "/v1/people/moon-jae-in" in problem["detail"]
    response = client.put("/v1/people/jae-in-moon", json={}, headers={**auth, "If-Match": "*"})
    assert_problem(response, 409, "id")


def test_an_old_person_id_still_filters_meetings(client):
    old = client.get("/v1/meetings?person=dae-jung-kim&limit=100").get_json()
    new = client.get("/v1/meetings?person=kim-dae-jung&limit=100").get_json()
    assert old["meta"]["total"] == new["meta"]["total"] == 5
    assert [m["id"] for m in old["data"]] == [m["id"] for m in new["data"]]


def test_the_feed_tells_mirrors_of_renamed_people(client):
    changes = client.get("/v1/changes?type=person&limit=1000").get_json()["data"]
    renamed = {c["id"]: c["renamed_to"] for c in changes if c["op"] == "renamed"}
    assert renamed == RENAMED_PEOPLE
    assert all(c["renamed_to"] is None for c in changes if c["op"] != "renamed")


def test_a_renamed_meeting_and_source_keep_their_old_ids(client, auth, renamed):
    response = client.get(f"/v1/meetings/{OLD_MEETING}")
    assert response.status_code == 308
    assert response.headers["Location"] == f"/v1/meetings/{NEW_MEETING}"
    meeting = client.get(f"/v1/meetings/{NEW_MEETING}").get_json()
    assert meeting["aliases"] == [OLD_MEETING]
    assert [s["id"] for s in meeting["sources"]] == [NEW_SOURCE]
    assert {e["source"] for e in meeting["evidence"]} == {NEW_SOURCE}

    response = client.get(f"/v1/sources/{OLD_SOURCE}")
    assert response.status_code == 308
    assert response.headers["Location"] == f"/v1/sources/{NEW_SOURCE}"
    source = client.get(response.headers["Location"]).get_json()
    assert source["aliases"] == [OLD_SOURCE] and source["meeting_count"] == 2

    headers = {**auth, "If-Match": "*"}
    problem = assert_problem(
        client.delete(f"/v1/meetings/{OLD_MEETING}", headers=headers), 409, "id"
    )
    assert NEW_MEETING in problem["detail"]
    assert_problem(client.put(f"/v1/sources/{OLD_SOURCE}", json={}, headers=headers), 409, "id")
    # An old id is never taken again.
    body = {**meeting, "id": OLD_MEETING}
    for name in ("created_at", "updated_at", "revision", "starts_at", "aliases"):
        body.pop(name)
    assert_problem(client.post("/v1/meetings", json=body, headers=auth), 409, "id")


def test_put_as_get_returns_it_changes_nothing_after_renames(client, auth, renamed):
    # The meetings that name the renamed meeting, source and people now show the new ids; a
    # client sending back what they show changes none of them.
    listed = client.get("/v1/meetings?limit=100").get_json()["data"]
    for shown in listed:
        got = client.get(f"/v1/meetings/{shown['id']}")
        last = client.get("/v1/changes?limit=1000").get_json()["meta"]["next_since"]
        headers = {**auth, "If-Match": got.headers["ETag"]}
        response = client.put(f"/v1/meetings/{shown['id']}", json=got.get_json(), headers=headers)
        assert response.status_code == 200, response.get_json()
        assert response.headers["ETag"] == got.headers["ETag"], shown["id"]
        assert client.get("/v1/changes?limit=1000").get_json()["meta"]["next_since"] == last


def test_the_feed_tells_mirrors_of_a_renamed_meeting_and_source(client, renamed):
    feed = client.get("/v1/changes?type=meeting&type=source&limit=1000").get_json()["data"]
    renames = [(c["type"], c["id"], c["renamed_to"]) for c in feed if c["op"] == "renamed"]
    assert renames == [("source", OLD_SOURCE, NEW_SOURCE), ("meeting", OLD_MEETING, NEW_MEETING)]
    created = [c["id"] for c in feed if c["op"] == "created"]
    assert NEW_MEETING in created and NEW_SOURCE in created
    # A mirror applying the feed ends with the new ids only.
    kept = set()
    for change in feed:
        if change["type"] == "meeting":
            kept.add(change["id"]) if change["op"] in ("created", "updated") else kept.discard(
                change["id"]
            )
    assert NEW_MEETING in kept and OLD_MEETING not in kept


def test_a_meeting_write_may_name_people_sources_and_meetings_by_their_old_ids(
    client, auth, renamed
):
    body = new_meeting(
        id="names-old-ids",
        participants=[
            {"person": "tae-yul-cho", "country": "KR", "title": "Minister of Foreign Affairs"}
        ],
        sources=[OLD_SOURCE],
        related=[{"id": OLD_MEETING, "relation": "previous"}],
    )
    response = client.post("/v1/meetings", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    assert [p["person"]["id"] for p in stored["participants"]] == ["cho-tae-yul"]
    assert [s["id"] for s in stored["sources"]] == [NEW_SOURCE]
    assert stored["related"] == [{"id": NEW_MEETING, "relation": "previous"}]


def test_a_person_or_source_given_whole_by_an_old_id_is_the_record_it_is_now(client, auth, renamed):
    """Given whole under an old id, a person or source is checked against the record it is
    now: as it is stored, the meeting refers to it; otherwise a 409. Never a new record
    taking the old id again."""
    person = client.get("/v1/people/kim-dae-jung").get_json()
    source = client.get(f"/v1/sources/{NEW_SOURCE}").get_json()
    shown_person = {k: person[k] for k in ("name", "given_name", "family_name", "country")}
    shown_source = {k: source[k] for k in ("publisher", "title", "url", "published_at")}
    changes = client.get("/v1/changes?limit=1000&type=person&type=source").get_json()["data"]
    for person_given, source_given, status in (
        ({**shown_person, "name": "X"}, {**shown_source}, 409),
        ({**shown_person}, {**shown_source, "title": "Another"}, 409),
        ({**shown_person}, {**shown_source}, 201),
    ):
        body = new_meeting(
            id=f"whole-old-ids-{status}",
            participants=[
                {
                    "person": {"id": "dae-jung-kim", **person_given},
                    "country": "KR",
                    "title": "President",
                }
            ],
            sources=[{"id": OLD_SOURCE, **source_given}],
        )
        response = client.post("/v1/meetings", json=body, headers=auth)
        assert response.status_code == status, response.get_json()
    stored = response.get_json()
    assert [p["person"]["id"] for p in stored["participants"]] == ["kim-dae-jung"]
    assert [s["id"] for s in stored["sources"]] == [NEW_SOURCE]
    assert client.get("/v1/people/dae-jung-kim").status_code == 308
    assert client.get(f"/v1/sources/{OLD_SOURCE}").status_code == 308
    after = client.get("/v1/changes?limit=1000&type=person&type=source").get_json()["data"]
    assert after == changes  # no person or source made, none changed


def test_a_derived_id_passes_over_an_old_id(app, client, auth, renamed):
    with app.app_context(), db.db.connection_context():
        # As if a meeting once derived as 2031-01-01-jp-kr-summit had been renamed.
        Alias.create(kind="meeting", id="2031-01-01-jp-kr-summit", target=NEW_MEETING)
    body = new_meeting(date="2031-01-01", type="summit")
    response = client.post("/v1/meetings", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == "2031-01-01-jp-kr-summit-2"
