"""Writes to /v1/meetings: API keys, creates, validation, Idempotency-Key, PUT, PATCH, DELETE,
revisions and the change log.

Every failed write is checked to have stored nothing: the meeting count, the change log and the
people and sources lists are compared before and after.
"""

import datetime as dt
import json
from urllib.parse import quote, urlsplit

import pytest
from conftest import assert_problem, new_meeting

import api.store.meetings
import api.store.touch
from api import db
from api.common import jsontext
from api.http.auth import create_key, revoke_key

MEETINGS = "/v1/meetings"
MERGE_PATCH = "application/merge-patch+json"
DERIVED_ID = "2025-01-10-jp-kr-foreign-ministers"
# A seeded phone call, and a seeded dialogue on the same day.
PHONE_CALL = "2024-12-11-jp-kr-foreign-ministers-phone-call"
TRILATERAL = "2024-12-11-jp-us-kr-trilateral-indo-pacific-dialogue"
SEEDED_PERSON = "takeshi-iwaya"
SEEDED_SOURCE = "yomiuri-2024-12-12-iwaya-cho-phone-talks"
# What new_meeting() creates along with the meeting.
NEW_PEOPLE = ("test-minister-a", "test-minister-b")
NEW_SOURCE = "test-source"


# --- Helpers ------------------------------------------------------------------------------------


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def item(meeting_id: str) -> str:
    return f"{MEETINGS}/{meeting_id}"


def get_meeting(client, meeting_id: str):
    response = client.get(item(meeting_id))
    assert response.status_code == 200, response.get_json()
    return response


def etag_of(client, meeting_id: str) -> str:
    return get_meeting(client, meeting_id).headers["ETag"]


def total(client) -> int:
    return client.get(MEETINGS).get_json()["meta"]["total"]


def all_changes(client, since: int = 0) -> list[dict]:
    body = client.get(f"/v1/changes?since={since}&limit=1000").get_json()
    assert len(body["data"]) < 1000
    return body["data"]


def last_seq(client) -> int:
    return client.get("/v1/changes?limit=1000").get_json()["meta"]["next_since"]


def ids_of_list(client, path: str) -> set[str]:
    body = client.get(f"{path}?limit=100").get_json()
    assert body["meta"]["total"] == len(body["data"])
    return {row["id"] for row in body["data"]}


def snapshot(client) -> dict:
    """What a failed write must leave as it was."""
    return {
        "total": total(client),
        "changes": all_changes(client),
        "people": ids_of_list(client, "/v1/people"),
        "sources": ids_of_list(client, "/v1/sources"),
    }


def assert_nothing_new(client, before: dict) -> None:
    assert snapshot(client) == before
    for person in NEW_PEOPLE:
        assert client.get(f"/v1/people/{person}").status_code == 404
    assert client.get(f"/v1/sources/{NEW_SOURCE}").status_code == 404


def assert_field_problem(response, status: int, *fields: str) -> dict:
    """A problem naming these fields in `errors`, whose `detail` may say it in its own words
    (assert_problem also wants the names in `detail`)."""
    body = assert_problem(response, status)
    for name in fields:
        assert name in body.get("errors", {}), body
    return body


def post(client, auth, body, **headers):
    return client.post(MEETINGS, json=body, headers={**auth, **headers})


def create(client, auth, **overrides) -> dict:
    """POST new_meeting(**overrides), expecting a 201; returns the stored document."""
    response = post(client, auth, new_meeting(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def put(client, auth, meeting_id: str, body, etag: str | None):
    headers = {**auth, **({"If-Match": etag} if etag is not None else {})}
    return client.put(item(meeting_id), json=body, headers=headers)


def patch(client, auth, meeting_id: str, changes, etag: str | None, content_type=MERGE_PATCH):
    headers = {**auth, "Content-Type": content_type}
    if etag is not None:
        headers["If-Match"] = etag
    return client.patch(item(meeting_id), data=json.dumps(changes), headers=headers)


def delete(client, auth, meeting_id: str, etag: str | None):
    headers = {**auth, **({"If-Match": etag} if etag is not None else {})}
    return client.delete(item(meeting_id), headers=headers)


def without(document: dict, *names: str) -> dict:
    return {k: v for k, v in document.items() if k not in names}


@pytest.fixture
def other_auth(app) -> dict:
    """A second API key, for another client."""
    with app.app_context(), db.db.connection_context():
        return bearer(create_key("other"))


@pytest.fixture
def clock(monkeypatch):
    """The writes' clock, set by the test: `clock["now"] = datetime(...)`."""
    state = {"now": dt.datetime(2031, 5, 1, 12, 0, 0)}
    # A write's own meetings, and those it touches.
    for module in (api.store.meetings, api.store.touch):
        monkeypatch.setattr(module, "utcnow", lambda: state["now"])
    return state


# --- Auth ---------------------------------------------------------------------------------------


def send_write(client, method: str, headers: dict):
    """A write that would succeed with a valid key: POST a new meeting, or change PHONE_CALL."""
    tag = etag_of(client, PHONE_CALL)
    if method == "post":
        return client.post(MEETINGS, json=new_meeting(), headers=headers)
    if method == "put":
        body = new_meeting(related=[{"id": TRILATERAL, "relation": "same_occasion"}])
        return client.put(item(PHONE_CALL), json=body, headers={**headers, "If-Match": tag})
    if method == "patch":
        return client.patch(
            item(PHONE_CALL),
            data=json.dumps({"title": "Changed"}),
            headers={**headers, "If-Match": tag, "Content-Type": MERGE_PATCH},
        )
    return client.delete(item(PHONE_CALL), headers={**headers, "If-Match": tag})


WRITE_METHODS = ["post", "put", "patch", "delete"]


def assert_unauthorized(client, method: str, headers: dict, error: str | None) -> None:
    before, tag = snapshot(client), etag_of(client, PHONE_CALL)
    response = send_write(client, method, headers)
    assert_problem(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    if error is None:
        assert "error=" not in challenge
    else:
        assert f'error="{error}"' in challenge
    assert_nothing_new(client, before)
    assert etag_of(client, PHONE_CALL) == tag


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_write_without_authorization_is_401(client, method):
    assert_unauthorized(client, method, {}, None)


@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize(
    "header,error",
    [
        ("Basic dGVzdHM6c2VjcmV0", None),
        ("Basic x", None),
        ("Bearer", "invalid_request"),
        ("Bearer not-a-key", "invalid_token"),
        ("Bearer mr_nothex_abc_def", "invalid_token"),
        (f"Bearer mr_000000000000_{'A' * 43}", "invalid_token"),
    ],
)
def test_write_with_a_bad_authorization_is_401(client, api_key, method, header, error):
    assert_unauthorized(client, method, {"Authorization": header}, error)


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_known_key_id_with_wrong_secret_is_401(client, api_key, method):
    key_id = api_key.split("_")[1]
    forged = f"mr_{key_id}_{'B' * 43}"
    assert_unauthorized(client, method, bearer(forged), "invalid_token")


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_revoked_key_is_401(app, client, auth, method):
    # The key works until it is revoked (this write links only seeded people and sources).
    participants = [{"person": SEEDED_PERSON, "country": "JP", "title": "Minister"}]
    create(client, auth, participants=participants, sources=[SEEDED_SOURCE])
    with app.app_context(), db.db.connection_context():
        assert revoke_key("tests") is True
    assert_unauthorized(client, method, auth, "invalid_token")


def test_valid_key_is_accepted_and_the_scheme_is_case_insensitive(client, api_key):
    response = client.post(
        MEETINGS, json=new_meeting(), headers={"Authorization": f"bearer {api_key}"}
    )
    assert response.status_code == 201, response.get_json()


def test_reads_stay_public(client):
    for path in (MEETINGS, item(PHONE_CALL), "/v1/changes", "/v1/people", "/v1/sources"):
        assert client.get(path).status_code == 200, path
        # A bad key on a read is ignored, not refused.
        assert client.get(path, headers={"Authorization": "Bearer junk"}).status_code == 200


# --- Create -------------------------------------------------------------------------------------


def test_create_answers_201_with_location_etag_and_the_stored_record(client, auth):
    before_total, since = total(client), last_seq(client)
    response = post(client, auth, new_meeting())
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["id"] == DERIVED_ID
    assert urlsplit(response.headers["Location"]).path == item(DERIVED_ID)
    stored = get_meeting(client, DERIVED_ID)
    assert stored.get_json() == document
    assert response.headers["ETag"] == stored.headers["ETag"]
    assert document["revision"] == 1
    assert document["created_at"] == document["updated_at"]
    assert document["parties"] == [
        {"country": "JP", "name": "Japan"},
        {"country": "KR", "name": "South Korea"},
    ]
    assert [p["person"] for p in document["participants"]] == [
        {"id": "test-minister-a", "name": "Aki Tanaka"},
        {"id": "test-minister-b", "name": "Min-ho Lee"},
    ]
    assert [s["id"] for s in document["sources"]] == [NEW_SOURCE]
    assert total(client) == before_total + 1
    assert [(c["id"], c["op"], c["revision"]) for c in all_changes(client, since)] == [
        (DERIVED_ID, "created", 1)
    ]
    assert client.get(f"/v1/people/{NEW_PEOPLE[0]}").status_code == 200
    assert client.get(f"/v1/sources/{NEW_SOURCE}").status_code == 200


def test_derived_id_gets_a_suffix_when_taken(client, auth):
    first = create(client, auth)
    second = create(client, auth)
    third = create(client, auth)
    assert [first["id"], second["id"], third["id"]] == [
        DERIVED_ID,
        f"{DERIVED_ID}-2",
        f"{DERIVED_ID}-3",
    ]
    assert without(second, "id", "created_at", "updated_at") == without(
        first, "id", "created_at", "updated_at"
    )


def test_supplied_free_id_is_used(client, auth):
    response = post(client, auth, new_meeting(id="my-own-meeting-id"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == "my-own-meeting-id"
    assert urlsplit(response.headers["Location"]).path == item("my-own-meeting-id")
    assert get_meeting(client, "my-own-meeting-id").get_json()["title"] == new_meeting()["title"]
    assert client.get(item(DERIVED_ID)).status_code == 404


@pytest.mark.parametrize("taken", [PHONE_CALL, "created-first"])
def test_taken_id_is_409(client, auth, taken):
    if taken == "created-first":
        create(client, auth, id=taken)
    original = get_meeting(client, taken)
    before = snapshot(client)
    response = post(client, auth, new_meeting(id=taken, title="Another meeting"))
    assert_field_problem(response, 409, "id")
    assert snapshot(client) == before
    again = get_meeting(client, taken)
    assert again.get_json() == original.get_json()
    assert again.headers["ETag"] == original.headers["ETag"]


def test_people_and_sources_linked_by_id(client, auth):
    seeded_person = client.get(f"/v1/people/{SEEDED_PERSON}").get_json()
    body = new_meeting(
        participants=[{"person": SEEDED_PERSON, "country": "JP", "title": "Foreign Minister"}],
        sources=[SEEDED_SOURCE],
    )
    document = post(client, auth, body).get_json()
    assert document["participants"] == [
        {
            "person": {"id": SEEDED_PERSON, "name": seeded_person["name"]},
            "country": "JP",
            "title": "Foreign Minister",
            "side": None,
        }
    ]
    assert [s["id"] for s in document["sources"]] == [SEEDED_SOURCE]
    # Linking by id changes neither the person nor the source.
    assert client.get(f"/v1/people/{SEEDED_PERSON}").get_json()["name"] == seeded_person["name"]
    assert client.get(f"/v1/sources/{NEW_SOURCE}").status_code == 404


def test_people_and_sources_created_from_objects(client, auth):
    body = new_meeting(
        participants=[
            {
                "person": {"name": "Hana Sato", "country": "JP"},
                "country": "JP",
                "title": "Vice-Minister",
                "side": "host",
            }
        ],
        sources=[
            {"id": "another-test-source", "publisher": "Wire", "url": "https://example.org/a"},
            SEEDED_SOURCE,
        ],
    )
    document = create(client, auth, **body)
    # A person given without an id gets one derived from the name.
    assert document["participants"][0]["person"] == {"id": "hana-sato", "name": "Hana Sato"}
    assert document["participants"][0]["side"] == "host"
    person = client.get("/v1/people/hana-sato").get_json()
    assert (person["name"], person["country"]) == ("Hana Sato", "JP")
    assert [s["id"] for s in document["sources"]] == ["another-test-source", SEEDED_SOURCE]
    source = client.get("/v1/sources/another-test-source").get_json()
    assert (source["publisher"], source["url"]) == ("Wire", "https://example.org/a")


def test_parties_accept_objects_and_alpha3_codes(client, auth):
    body = new_meeting(parties=[{"country": "JP", "name": "Japan"}, {"country": "kor"}])
    document = create(client, auth, **body)
    assert document["id"] == DERIVED_ID
    assert document["parties"] == [
        {"country": "JP", "name": "Japan"},
        {"country": "KR", "name": "South Korea"},
    ]


def test_create_with_related_links_both_records(client, auth):
    before = get_meeting(client, TRILATERAL).get_json()
    document = create(client, auth, related=[{"id": TRILATERAL, "relation": "follow_up"}])
    assert document["related"] == [{"id": TRILATERAL, "relation": "follow_up"}]
    after = get_meeting(client, TRILATERAL).get_json()
    assert {"id": DERIVED_ID, "relation": "previous"} in after["related"]
    assert after["revision"] == before["revision"] + 1


# --- Validation ---------------------------------------------------------------------------------


def _drop(*names):
    return {k: v for k, v in new_meeting().items() if k not in names}


def _participant(country: str, side=None) -> dict:
    return {"person": SEEDED_PERSON, "country": country, "title": "Minister", "side": side}


INVALID_BODIES = {
    "unknown field": (new_meeting(colour="blue"), ["colour"]),
    "created_at": (new_meeting(created_at="2025-01-10T00:00:00Z"), ["created_at"]),
    "updated_at": (new_meeting(updated_at="2025-01-10T00:00:00Z"), ["updated_at"]),
    "revision": (new_meeting(revision=7), ["revision"]),
    "unknown alpha-2 party": (new_meeting(parties=["JP", "XX"]), ["parties"]),
    "unknown alpha-3 party": (new_meeting(parties=["JPN", "ZZZ"]), ["parties"]),
    "unknown location country": (
        new_meeting(format="in_person", location={"city": "Tokyo", "country": "QQ"}),
        ["location"],
    ),
    "unknown participant country": (
        new_meeting(participants=[_participant("XK1")]),
        ["participants"],
    ),
    "impossible date": (new_meeting(date="2025-02-30"), ["date"]),
    "malformed date": (new_meeting(date="10 January 2025"), ["date"]),
    "precision mismatch": (new_meeting(date_precision="month"), ["date_precision"]),
    "year given day precision": (
        new_meeting(date="2025", date_precision="day"),
        ["date_precision"],
    ),
    "bad enums": (
        new_meeting(type="party", format="carrier-pigeon", status="done"),
        ["type", "format", "status"],
    ),
    "bad date basis": (new_meeting(date_basis="guessed"), ["date_basis"]),
    "bad side": (new_meeting(participants=[_participant("JP", side="middle")]), ["participants"]),
    "bad point kind": (
        new_meeting(agreed_points=[{"kind": "promise", "text": "t", "quote": "q"}]),
        ["agreed_points"],
    ),
    "bad relation": (
        new_meeting(related=[{"id": TRILATERAL, "relation": "cousin"}]),
        ["related"],
    ),
    "missing title and sources": (_drop("title", "sources"), ["title", "sources"]),
    "missing type": (_drop("type"), ["type"]),
    "missing date": (_drop("date"), ["date"]),
    "no parties": (new_meeting(parties=[]), ["parties"]),
    "no sources": (new_meeting(sources=[]), ["sources"]),
    "participant country not a party": (
        new_meeting(parties=["JP", "US"]),
        ["participants"],
    ),
    "dangling related id": (
        new_meeting(related=[{"id": "no-such-meeting", "relation": "previous"}]),
        ["related"],
    ),
    "related to itself": (
        new_meeting(id="self-ish", related=[{"id": "self-ish", "relation": "previous"}]),
        ["related"],
    ),
    "unknown person id": (
        new_meeting(participants=[{"person": "no-such-person", "country": "JP", "title": "t"}]),
        ["participants"],
    ),
    "unknown source id": (new_meeting(sources=["no-such-source"]), ["sources"]),
    "over-long title": (new_meeting(title="x" * 301), ["title"]),
    "empty title": (new_meeting(title=""), ["title"]),
    "bad id": (new_meeting(id="Not A Slug"), ["id"]),
    "parties as a string": (new_meeting(parties="JP"), ["parties"]),
    # A party's name is its code's: one saying otherwise is refused, not replaced unsaid.
    "party named otherwise": (
        new_meeting(parties=[{"country": "JP", "name": "Nippon"}, "KR"]),
        ["parties"],
    ),
    "zero-width title": (new_meeting(title="\u200b\u200b"), ["title"]),
    "blank person name": (
        new_meeting(
            participants=[
                {
                    "person": {"id": "blank-person", "name": "   ", "country": "JP"},
                    "country": "JP",
                    "title": "Minister",
                }
            ]
        ),
        ["participants"],
    ),
    "blank source publisher": (
        new_meeting(sources=[{**new_meeting()["sources"][0], "publisher": " \t"}]),
        ["sources"],
    ),
    # JSON's true and false only, as the schema says: not "yes", 1 or "true".
    "duration_approximate as text": (
        new_meeting(duration_approximate="true"),
        ["duration_approximate"],
    ),
    "duration_approximate as a number": (
        new_meeting(duration_approximate=1),
        ["duration_approximate"],
    ),
    "party name not text": (new_meeting(parties=["JP", {"country": "KR", "name": 5}]), ["parties"]),
    "wrong scalar types": (
        new_meeting(duration_minutes="long", duration_approximate="maybe", title=5),
        ["duration_minutes", "duration_approximate", "title"],
    ),
    "topics as a string": (new_meeting(topics="north-korea"), ["topics"]),
    "bad topic tag": (new_meeting(topics=["North Korea"]), ["topics"]),
    "start time without zone": (new_meeting(start_time="10:00"), ["timezone"]),
    # Python's `$` also matches before a final newline; a pattern here is the whole value.
    "id with a final newline": (new_meeting(id="jp-kr-talks\n"), ["id"]),
    "date with a final newline": (new_meeting(date="2025-01-10\n"), ["date"]),
    "start time with a final newline": (
        new_meeting(start_time="10:00\n", timezone="Asia/Tokyo"),
        ["start_time"],
    ),
    "topic with a final newline": (new_meeting(topics=["north-korea\n"]), ["topics"]),
    "start past year 9999 in UTC": (
        new_meeting(date="9999-12-31", start_time="23:59", timezone="Etc/GMT+12"),
        ["start_time"],
    ),
    "inferred date without note": (new_meeting(date_basis="inferred"), ["date_note"]),
    "phone call with a location": (
        new_meeting(location={"city": "Tokyo", "country": "JP"}),
        ["location"],
    ),
}


@pytest.mark.parametrize("case", list(INVALID_BODIES))
def test_invalid_create_is_422_naming_the_field_and_stores_nothing(client, auth, case):
    body, fields = INVALID_BODIES[case]
    before = snapshot(client)
    response = post(client, auth, body)
    assert_field_problem(response, 422, *fields)
    assert_nothing_new(client, before)


@pytest.mark.parametrize("body", [["not", "an", "object"], "a string", 42])
def test_non_object_json_body_is_422(client, auth, body):
    before = snapshot(client)
    response = post(client, auth, body)
    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["body"]
    assert_nothing_new(client, before)


def test_body_that_is_not_json_is_a_400_problem(client, auth):
    before = snapshot(client)
    response = client.post(
        MEETINGS, data='{"title": "unfinished', headers={**auth, "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 400)
    # What the parser found, and where.
    assert problem["detail"] == (
        "The request body is not valid JSON: Unterminated string starting at: "
        "line 1 column 11 (char 10)."
    )
    assert_nothing_new(client, before)


@pytest.mark.parametrize(
    "text, named",
    [("Half a pair: \ud800.", "lone surrogate \\ud800"), ("A NUL: \x00.", "NUL character \\u0000")],
)
def test_a_lone_surrogate_or_a_nul_makes_a_body_invalid_and_a_pair_is_one_character(
    client, auth, text, named
):
    """`"\\ud800"` is half of a pair standing for one character, with no other half: no text
    can hold it. PostgreSQL's text cannot hold `"\\u0000"`. Either makes a body invalid (400,
    or 422 for a merge patch), on both databases, and nothing is stored. A whole pair is the
    character it stands for."""
    before = snapshot(client)
    tag = etag_of(client, PHONE_CALL)
    body = json.dumps(new_meeting(summary=text))  # escaped, as JSON allows
    headers = {**auth, "Content-Type": "application/json"}
    problem = assert_problem(client.post(MEETINGS, data=body, headers=headers), 400)
    assert problem["detail"].startswith(f"The request body is not valid JSON: {named}")
    assert f"(char {body.index(named.split()[-1])})" in problem["detail"]
    response = client.put(item(PHONE_CALL), data=body, headers={**headers, "If-Match": tag})
    assert_problem(response, 400)
    response = client.patch(
        item(PHONE_CALL),
        data=json.dumps({"summary": text}),
        headers={**auth, "Content-Type": MERGE_PATCH, "If-Match": tag},
    )
    problem = assert_field_problem(response, 422, "body")
    assert problem["detail"].startswith(f"The merge patch is not valid JSON: {named}")
    assert_nothing_new(client, before)
    assert etag_of(client, PHONE_CALL) == tag
    whole = json.dumps(new_meeting(summary="A pair: \U0001f600."))
    assert "\\ud83d\\ude00" in whole
    response = client.post(MEETINGS, data=whole, headers=headers)
    assert response.status_code == 201
    assert client.get(item(DERIVED_ID)).get_json()["summary"] == "A pair: \U0001f600."


@pytest.mark.parametrize("depth", [65, 100_000])
def test_a_body_nested_too_deeply_is_invalid_json(client, auth, depth):
    """Past 64 levels (a meeting nests four): far past, Python's parser would raise a
    RecursionError (a 500), and a merge patch is applied by recursion."""
    before = snapshot(client)
    tag = etag_of(client, PHONE_CALL)
    nested = '{"title": ' + "[" * depth + "]" * depth + "}"
    headers = {**auth, "Content-Type": "application/json"}
    problem = assert_problem(client.post(MEETINGS, data=nested, headers=headers), 400)
    assert problem["detail"].startswith("The request body is not valid JSON: nested more than 64")
    response = client.patch(
        item(PHONE_CALL),
        data='{"occasion": ' + '{"a": ' * depth + "1" + "}" * depth + "}",
        headers={**auth, "Content-Type": MERGE_PATCH, "If-Match": tag},
    )
    problem = assert_field_problem(response, 422, "body")
    assert problem["detail"].startswith("The merge patch is not valid JSON: nested more than 64")
    assert_nothing_new(client, before)
    assert etag_of(client, PHONE_CALL) == tag


@pytest.mark.parametrize(
    "text, lone",
    [
        ('{"a": "x\\ud800y"}', "\\ud800"),
        ('["\\ud83d\\ude00", "\\udc00"]', "\\udc00"),  # after a whole pair
        ('["\\ud800\\ud800\\udc00"]', "\\ud800"),  # a first half, then a whole pair
        ('{"\\uDBFF": 1}', "\\uDBFF"),  # in a key
    ],
)
def test_a_lone_surrogate_is_named_where_it_stands(text, lone):
    with pytest.raises(json.JSONDecodeError) as caught:
        jsontext.loads(text)
    assert caught.value.msg.startswith(f"lone surrogate {lone}:")
    assert caught.value.pos == text.index(lone)
    assert jsontext.loads('["\\ud83d\\ude00"]') == ["\U0001f600"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_post_and_put_bodies_must_be_json(client, auth, content_type):
    before = snapshot(client)
    body = json.dumps(new_meeting())
    response = client.post(MEETINGS, data=body, headers={**auth, "Content-Type": content_type})
    assert "application/json" in assert_problem(response, 415)["detail"]
    tag = etag_of(client, PHONE_CALL)
    response = client.put(
        item(PHONE_CALL), data=body, headers={**auth, "Content-Type": content_type, "If-Match": tag}
    )
    assert_problem(response, 415)
    assert_nothing_new(client, before)


@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize(
    ("header", "value", "said"),
    [
        ("Content-Encoding", "gzip", "not encoded (gzip)"),
        ("Content-Encoding", "br, gzip", "not encoded (br, gzip)"),
        ("Content-Type", "; charset=latin1", "not latin1"),
    ],
)
def test_a_body_encoded_or_in_another_charset_is_a_415(client, auth, method, header, value, said):
    before = snapshot(client)
    kind = MERGE_PATCH if method == "patch" else "application/json"
    headers = {**auth, "Content-Type": kind, "If-Match": etag_of(client, PHONE_CALL)}
    headers[header] = kind + value if header == "Content-Type" else value
    body = {"title": "New"} if method == "patch" else new_meeting()
    path = MEETINGS if method == "post" else item(PHONE_CALL)
    response = getattr(client, method)(path, data=json.dumps(body), headers=headers)
    assert said in assert_problem(response, 415)["detail"]
    if header == "Content-Encoding":
        assert response.headers["Accept-Encoding"] == "identity"
    assert_nothing_new(client, before)
    # UTF-8 named in any case, and "identity", are as good as saying nothing.
    headers |= {"Content-Type": kind + "; charset=UTF-8", "Content-Encoding": "identity"}
    response = getattr(client, method)(path, data=json.dumps(body), headers=headers)
    assert response.status_code in (200, 201), response.get_json()


def test_delete_answer_has_no_body_or_type(client, auth):
    create(client, auth)
    response = client.delete(
        item(DERIVED_ID), headers={**auth, "If-Match": etag_of(client, DERIVED_ID)}
    )
    assert response.status_code == 204
    assert response.get_data() == b"" and "Content-Type" not in response.headers


def test_invalid_put_stores_nothing(client, auth):
    tag = etag_of(client, PHONE_CALL)
    original = get_meeting(client, PHONE_CALL).get_json()
    before = snapshot(client)
    body = new_meeting(related=[{"id": "no-such-meeting", "relation": "previous"}])
    assert_problem(put(client, auth, PHONE_CALL, body, tag), 422, "related")
    assert_nothing_new(client, before)
    assert get_meeting(client, PHONE_CALL).get_json() == original


# --- Idempotency-Key ----------------------------------------------------------------------------


REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")


def test_retry_with_the_same_key_replays_the_first_answer(client, auth):
    before_total, since = total(client), last_seq(client)
    headers = {"Idempotency-Key": "create-1"}
    first = post(client, auth, new_meeting(), **headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    retry = post(client, auth, new_meeting(), **headers)
    assert retry.status_code == first.status_code
    assert retry.get_data() == first.get_data()
    for name in REPLAYED_HEADERS:
        assert retry.headers[name] == first.headers[name], name
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert total(client) == before_total + 1
    assert [c["op"] for c in all_changes(client, since)] == ["created"]
    assert client.get(item(f"{DERIVED_ID}-2")).status_code == 404


def test_same_key_with_a_different_body_is_422(client, auth):
    headers = {"Idempotency-Key": "create-1"}
    assert post(client, auth, new_meeting(), **headers).status_code == 201
    before = snapshot(client)
    response = post(client, auth, new_meeting(title="Something else"), **headers)
    assert_problem(response, 422, "Idempotency-Key")
    assert "Idempotent-Replayed" not in response.headers
    assert snapshot(client) == before


def test_same_key_on_another_path_is_422(client, auth):
    headers = {"Idempotency-Key": "shared"}
    assert post(client, auth, new_meeting(), **headers).status_code == 201
    tag = etag_of(client, DERIVED_ID)
    before = snapshot(client)
    response = client.put(
        item(DERIVED_ID), json=new_meeting(), headers={**auth, **headers, "If-Match": tag}
    )
    assert_problem(response, 422, "Idempotency-Key")
    assert snapshot(client) == before


def test_same_key_from_another_api_key_is_independent(client, auth, other_auth):
    before_total = total(client)
    headers = {"Idempotency-Key": "create-1"}
    mine = post(client, auth, new_meeting(), **headers)
    theirs = post(client, other_auth, new_meeting(), **headers)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.get_json()["id"] == DERIVED_ID
    assert theirs.get_json()["id"] == f"{DERIVED_ID}-2"
    assert total(client) == before_total + 2
    # Each client's own retry still replays its own answer.
    again = post(client, other_auth, new_meeting(), **headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == theirs.get_data()


def test_failed_request_does_not_use_up_its_key(client, auth):
    headers = {"Idempotency-Key": "try-again"}
    assert_problem(post(client, auth, new_meeting(date="2025-02-30"), **headers), 422, "date")
    fixed = post(client, auth, new_meeting(), **headers)
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


def test_retried_put_is_replayed_not_refused_as_stale(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    headers = {**auth, "Idempotency-Key": "put-1", "If-Match": tag}
    body = new_meeting(title="Renamed once")
    first = client.put(item(DERIVED_ID), json=body, headers=headers)
    assert first.status_code == 200
    retry = client.put(item(DERIVED_ID), json=body, headers=headers)
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_data() == first.get_data()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert get_meeting(client, DERIVED_ID).get_json()["revision"] == 2


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_idempotency_key_of_bad_length_is_422(client, auth, key):
    before = snapshot(client)
    response = post(client, auth, new_meeting(), **{"Idempotency-Key": key})
    assert_problem(response, 422, "Idempotency-Key")
    assert_nothing_new(client, before)


# --- PUT ----------------------------------------------------------------------------------------


def test_put_without_if_match_is_428(client, auth):
    create(client, auth)
    original = get_meeting(client, DERIVED_ID)
    assert_problem(put(client, auth, DERIVED_ID, new_meeting(title="New"), None), 428)
    again = get_meeting(client, DERIVED_ID)
    assert again.get_json() == original.get_json()
    assert again.headers["ETag"] == original.headers["ETag"]


def test_put_with_a_stale_etag_is_412_carrying_the_current_etag(client, auth):
    create(client, auth)
    current = etag_of(client, DERIVED_ID)
    for stale in ['"something-else.1"', f'"{DERIVED_ID}.0"', f'"{DERIVED_ID}.2"']:
        response = put(client, auth, DERIVED_ID, new_meeting(title="New"), stale)
        assert_problem(response, 412)
        assert response.headers["ETag"] == current
    assert get_meeting(client, DERIVED_ID).get_json()["title"] == new_meeting()["title"]


def test_put_replaces_the_record_and_bumps_revision(client, auth):
    created = create(client, auth, occasion="Some summit", duration_minutes=30)
    tag = etag_of(client, DERIVED_ID)
    since = last_seq(client)
    body = new_meeting(
        title="Japan–South Korea foreign ministers' talks",
        format="video",
        participants=[new_meeting()["participants"][1]],
    )
    response = put(client, auth, DERIVED_ID, body, tag)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["revision"] == created["revision"] + 1
    assert response.headers["ETag"] != tag
    stored = get_meeting(client, DERIVED_ID)
    assert stored.get_json() == document
    assert stored.headers["ETag"] == response.headers["ETag"]
    assert document["title"] == body["title"]
    assert document["format"] == "video"
    assert [p["person"]["id"] for p in document["participants"]] == ["test-minister-b"]
    # Fields left out of a PUT take their defaults.
    assert document["occasion"] is None
    assert document["duration_minutes"] is None
    assert document["created_at"] == created["created_at"]
    assert [(c["id"], c["op"], c["revision"]) for c in all_changes(client, since)] == [
        (DERIVED_ID, "updated", 2)
    ]


def test_put_with_a_different_id_in_the_body_is_422(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    before = snapshot(client)
    response = put(client, auth, DERIVED_ID, new_meeting(id="another-id"), tag)
    assert_problem(response, 422, "id")
    assert snapshot(client) == before
    assert client.get(item("another-id")).status_code == 404
    assert etag_of(client, DERIVED_ID) == tag


def test_put_with_the_urls_id_in_the_body_is_accepted(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    response = put(client, auth, DERIVED_ID, new_meeting(id=DERIVED_ID, title="Same id"), tag)
    assert response.status_code == 200
    assert response.get_json()["title"] == "Same id"


def test_put_to_an_unknown_id_is_404(client, auth):
    before = snapshot(client)
    response = put(client, auth, "no-such-meeting", new_meeting(), '"no-such-meeting.1"')
    assert_problem(response, 404)
    assert snapshot(client) == before


def test_put_of_the_current_content_changes_nothing(client, auth):
    created = create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    since = last_seq(client)
    for body in (
        new_meeting(),
        # The same record, its people and source now linked by id.
        new_meeting(
            participants=[
                {**p, "person": p["person"]["id"]} for p in new_meeting()["participants"]
            ],
            sources=[NEW_SOURCE],
        ),
    ):
        response = put(client, auth, DERIVED_ID, body, tag)
        assert response.status_code == 200, response.get_json()
        assert response.headers["ETag"] == tag
        assert response.get_json() == created
    assert all_changes(client, since) == []


def test_weak_etag_in_if_match_is_412(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    response = put(client, auth, DERIVED_ID, new_meeting(title="New"), f"W/{tag}")
    assert_problem(response, 412)


@pytest.mark.parametrize("write", ["put", "patch"])
def test_if_none_match_naming_the_record_as_it_is_is_a_412(client, auth, write):
    """RFC 9110: If-None-Match on a write asks for it only where the record is not that; `*`
    names any record, and the record exists."""
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    before = get_meeting(client, DERIVED_ID).get_json()
    for none_match in ("*", tag, f"W/{tag}", f'"other.1", {tag}'):
        headers = {**auth, "If-Match": tag, "If-None-Match": none_match}
        if write == "put":
            response = client.put(item(DERIVED_ID), json=new_meeting(title="X"), headers=headers)
        else:
            headers["Content-Type"] = MERGE_PATCH
            response = client.patch(item(DERIVED_ID), json={"title": "X"}, headers=headers)
        assert "If-None-Match" in assert_problem(response, 412)["detail"], none_match
        assert response.headers["ETag"] == tag
    assert get_meeting(client, DERIVED_ID).get_json() == before
    # Another version named is no bar.
    headers = {**auth, "If-Match": tag, "If-None-Match": '"other.1"'}
    response = client.put(item(DERIVED_ID), json=new_meeting(title="Y"), headers=headers)
    assert response.status_code == 200 and response.get_json()["title"] == "Y"


def test_if_match_lists_and_star(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    listed = put(client, auth, DERIVED_ID, new_meeting(title="One"), f'"old.1", {tag}')
    assert listed.status_code == 200
    star = put(client, auth, DERIVED_ID, new_meeting(title="Two"), "*")
    assert star.status_code == 200
    assert star.get_json()["revision"] == 3


# --- PATCH --------------------------------------------------------------------------------------


def test_patch_needs_merge_patch_content_type(client, auth):
    create(client, auth)
    original = get_meeting(client, DERIVED_ID)
    tag = original.headers["ETag"]
    for content_type in ("application/json", "text/plain"):
        response = patch(client, auth, DERIVED_ID, {"title": "New"}, tag, content_type)
        assert_problem(response, 415)
    assert get_meeting(client, DERIVED_ID).get_json() == original.get_json()


def test_patch_title_keeps_everything_else(client, auth):
    created = create(client, auth, occasion="Some occasion")
    tag = etag_of(client, DERIVED_ID)
    since = last_seq(client)
    response = patch(client, auth, DERIVED_ID, {"title": "New title"}, tag)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["title"] == "New title"
    assert document["revision"] == created["revision"] + 1
    assert response.headers["ETag"] != tag
    assert without(document, "title", "updated_at", "revision") == without(
        created, "title", "updated_at", "revision"
    )
    assert get_meeting(client, DERIVED_ID).get_json() == document
    assert [(c["op"], c["revision"]) for c in all_changes(client, since)] == [("updated", 2)]


def test_patch_null_removes_a_field(client, auth):
    create(client, auth, occasion="Some occasion", duration_minutes=20)
    tag = etag_of(client, DERIVED_ID)
    response = patch(client, auth, DERIVED_ID, {"occasion": None}, tag)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["occasion"] is None
    assert response.get_json()["duration_minutes"] == 20


def test_patch_replaces_lists_whole(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    point = {"kind": "commitment", "text": "Meet again.", "quote": "will meet again"}
    changes = {
        "participants": [{"person": "test-minister-b", "country": "KR", "title": "Minister"}],
        "agreed_points": [point],
    }
    response = patch(client, auth, DERIVED_ID, changes, tag)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert [(p["person"]["id"], p["title"]) for p in document["participants"]] == [
        ("test-minister-b", "Minister")
    ]
    assert document["agreed_points"] == [{"position": 1, "topics": [], **point}]


def test_patch_to_an_invalid_record_is_422_and_changes_nothing(client, auth):
    create(client, auth)
    original = get_meeting(client, DERIVED_ID)
    tag = original.headers["ETag"]
    before = snapshot(client)
    for changes, field in [
        ({"date": "nonsense"}, "date"),
        ({"type": "party"}, "type"),
        ({"parties": ["JP"]}, "participants"),
        ({"title": None}, "title"),
        ({"revision": 9}, "revision"),
        ({"colour": "blue"}, "colour"),
    ]:
        assert_problem(patch(client, auth, DERIVED_ID, changes, tag), 422, field)
    assert snapshot(client) == before
    again = get_meeting(client, DERIVED_ID)
    assert again.get_json() == original.get_json()
    assert again.headers["ETag"] == tag


def test_patch_cannot_change_the_id(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    assert_problem(patch(client, auth, DERIVED_ID, {"id": "new-id"}, tag), 422, "id")
    assert client.get(item("new-id")).status_code == 404
    assert etag_of(client, DERIVED_ID) == tag


@pytest.mark.parametrize("body", ['["a list"]', '"text"', "{not json"])
def test_patch_body_must_be_a_json_object(client, auth, body):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    response = client.patch(
        item(DERIVED_ID),
        data=body,
        headers={**auth, "If-Match": tag, "Content-Type": MERGE_PATCH},
    )
    assert_field_problem(response, 422, "body")
    assert etag_of(client, DERIVED_ID) == tag


def test_patch_if_match_rules(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    assert_problem(patch(client, auth, DERIVED_ID, {"title": "New"}, None), 428)
    stale = patch(client, auth, DERIVED_ID, {"title": "New"}, f'"{DERIVED_ID}.0"')
    assert_problem(stale, 412)
    assert stale.headers["ETag"] == tag
    assert get_meeting(client, DERIVED_ID).get_json()["revision"] == 1


def test_patch_of_an_unknown_id_is_404(client, auth):
    response = patch(client, auth, "no-such-meeting", {"title": "x"}, '"no-such-meeting.1"')
    assert_problem(response, 404)


def test_empty_patch_of_a_seeded_record_changes_nothing(client, auth):
    original = get_meeting(client, PHONE_CALL)
    since = last_seq(client)
    response = patch(client, auth, PHONE_CALL, {}, original.headers["ETag"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == original.get_json()
    assert response.headers["ETag"] == original.headers["ETag"]
    assert all_changes(client, since) == []


# --- DELETE -------------------------------------------------------------------------------------


def test_delete_needs_a_current_if_match(client, auth):
    original = get_meeting(client, PHONE_CALL)
    before = snapshot(client)
    assert_problem(delete(client, auth, PHONE_CALL, None), 428)
    stale = delete(client, auth, PHONE_CALL, f'"{PHONE_CALL}.0"')
    assert_problem(stale, 412)
    assert stale.headers["ETag"] == original.headers["ETag"]
    assert snapshot(client) == before
    assert get_meeting(client, PHONE_CALL).get_json() == original.get_json()


def test_delete_leaves_a_tombstone_and_unlinks_related(client, auth):
    # A seeded summit whose record links the seeded previous one, in New York.
    deleted, linking = "2018-09-jp-kr-summit-new-york", "2019-12-24-jp-kr-summit-chengdu"
    before_total, since = total(client), last_seq(client)
    other = get_meeting(client, linking)
    assert {"id": deleted, "relation": "previous"} in other.get_json()["related"]
    tag = etag_of(client, deleted)

    response = delete(client, auth, deleted, tag)
    assert response.status_code == 204
    assert response.get_data() == b""

    body = assert_problem(client.get(item(deleted)), 410)
    assert deleted in body["detail"]
    assert total(client) == before_total - 1
    listed = client.get(f"{MEETINGS}?limit=100").get_json()["data"]
    assert deleted not in {m["id"] for m in listed}

    after = get_meeting(client, linking)
    assert deleted not in [r["id"] for r in after.get_json()["related"]]
    assert after.get_json()["revision"] == other.get_json()["revision"] + 1
    assert after.headers["ETag"] != other.headers["ETag"]

    assert [(c["id"], c["op"], c["revision"]) for c in all_changes(client, since)] == [
        (deleted, "deleted", 2),
        (linking, "updated", after.get_json()["revision"]),
    ]


def test_deleted_id_stays_gone(client, auth):
    assert delete(client, auth, PHONE_CALL, etag_of(client, PHONE_CALL)).status_code == 204
    before = snapshot(client)
    assert_problem(delete(client, auth, PHONE_CALL, f'"{PHONE_CALL}.1"'), 410)
    assert_problem(delete(client, auth, PHONE_CALL, "*"), 410)
    assert_problem(put(client, auth, PHONE_CALL, new_meeting(), "*"), 410)
    assert_problem(patch(client, auth, PHONE_CALL, {"title": "x"}, "*"), 410)
    assert_field_problem(post(client, auth, new_meeting(id=PHONE_CALL)), 409, "id")
    assert snapshot(client) == before
    assert_problem(client.get(item(PHONE_CALL)), 410)


def test_derived_id_of_a_deleted_meeting_is_not_reused(client, auth):
    create(client, auth)
    assert delete(client, auth, DERIVED_ID, etag_of(client, DERIVED_ID)).status_code == 204
    assert create(client, auth)["id"] == f"{DERIVED_ID}-2"
    assert_problem(client.get(item(DERIVED_ID)), 410)


def test_relating_to_a_deleted_meeting_is_refused(client, auth):
    assert delete(client, auth, PHONE_CALL, etag_of(client, PHONE_CALL)).status_code == 204
    before = snapshot(client)
    body = new_meeting(related=[{"id": PHONE_CALL, "relation": "previous"}])
    assert_problem(post(client, auth, body), 422, "related")
    assert_nothing_new(client, before)


# --- Revisions and the change log ---------------------------------------------------------------


def test_every_write_is_logged_in_order_with_its_revision(client, auth):
    since = last_seq(client)
    created = post(client, auth, new_meeting())
    put_response = put(client, auth, DERIVED_ID, new_meeting(title="Put"), created.headers["ETag"])
    patched = patch(client, auth, DERIVED_ID, {"title": "Patched"}, put_response.headers["ETag"])
    revisions = [r.get_json()["revision"] for r in (created, put_response, patched)]
    assert revisions == [1, 2, 3]
    assert delete(client, auth, DERIVED_ID, patched.headers["ETag"]).status_code == 204

    changes = all_changes(client, since)
    assert [(c["id"], c["op"], c["revision"]) for c in changes] == [
        (DERIVED_ID, "created", 1),
        (DERIVED_ID, "updated", 2),
        (DERIVED_ID, "updated", 3),
        (DERIVED_ID, "deleted", 4),
    ]
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > since
    assert changes[2]["at"] == patched.get_json()["updated_at"]


def test_seeded_records_are_in_the_change_log(client):
    body = client.get(f"{MEETINGS}?limit=100").get_json()
    created = {c["id"] for c in all_changes(client) if c["op"] == "created"}
    assert {m["id"] for m in body["data"]} <= created


def test_since_paging_walks_every_change_exactly_once(client, auth):
    create(client, auth)
    create(client, auth, related=[{"id": TRILATERAL, "relation": "same_occasion"}])
    patch(client, auth, DERIVED_ID, {"title": "Again"}, etag_of(client, DERIVED_ID))
    everything = all_changes(client)
    walked, url, pages = [], "/v1/changes?limit=1", 0
    while True:
        body = client.get(url).get_json()
        pages += 1
        assert pages <= len(everything) + 1
        if not body["data"]:
            break
        assert len(body["data"]) == 1
        walked += body["data"]
        assert body["meta"]["next_since"] == body["data"][-1]["seq"]
        url = body["links"]["next"]
        assert f"since={body['data'][-1]['seq']}" in url
    assert walked == everything
    assert len({c["seq"] for c in walked}) == len(walked)
    # At the end, `next` stays where it is, ready for the next poll.
    assert body["meta"]["next_since"] == everything[-1]["seq"]


def test_since_is_exclusive(client, auth):
    everything = all_changes(client)
    middle = everything[len(everything) // 2]["seq"]
    assert all_changes(client, middle) == [c for c in everything if c["seq"] > middle]


def test_updated_since_returns_records_changed_at_or_after_it(client, auth, clock):
    clock["now"] = dt.datetime(2031, 5, 1, 12, 0, 0)
    first = create(client, auth)
    clock["now"] = dt.datetime(2031, 5, 1, 12, 0, 5)
    second = create(client, auth, related=[{"id": TRILATERAL, "relation": "same_occasion"}])
    assert first["updated_at"] == "2031-05-01T12:00:00Z"
    assert second["updated_at"] == "2031-05-01T12:00:05Z"
    touched = get_meeting(client, TRILATERAL).get_json()
    assert touched["updated_at"] == second["updated_at"]

    def since(instant: str) -> set[str]:
        body = client.get(f"{MEETINGS}?limit=100&updated_since={quote(instant)}").get_json()
        assert body["meta"]["total"] == len(body["data"])
        return {m["id"] for m in body["data"]}

    assert since(first["updated_at"]) == {first["id"], second["id"], TRILATERAL}
    assert since(second["updated_at"]) == {second["id"], TRILATERAL}
    assert since("2031-05-01T12:00:06Z") == set()
    # Other offsets name the same instant.
    assert since("2031-05-01T21:00:05+09:00") == {second["id"], TRILATERAL}


def test_updated_since_against_the_real_clock(client, auth):
    written = create(client, auth)
    instant = written["updated_at"]
    everything = client.get(f"{MEETINGS}?limit=100").get_json()["data"]
    body = client.get(f"{MEETINGS}?limit=100&updated_since={instant}").get_json()
    found = {m["id"] for m in body["data"]}
    assert written["id"] in found
    assert found == {m["id"] for m in everything if m["updated_at"] >= instant}


def test_bad_updated_since_is_422(client):
    assert_problem(client.get(f"{MEETINGS}?updated_since=yesterday"), 422, "updated_since")


# --- Concurrent editors -------------------------------------------------------------------------


def test_second_put_with_the_same_etag_is_412(client, auth):
    create(client, auth)
    tag = etag_of(client, DERIVED_ID)
    first = put(client, auth, DERIVED_ID, new_meeting(title="Editor one"), tag)
    assert first.status_code == 200
    second = put(client, auth, DERIVED_ID, new_meeting(title="Editor two"), tag)
    assert_problem(second, 412)
    assert second.headers["ETag"] == first.headers["ETag"]
    stored = get_meeting(client, DERIVED_ID).get_json()
    assert stored["title"] == "Editor one"
    assert stored["revision"] == 2
