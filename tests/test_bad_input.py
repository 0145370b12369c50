"""Every bad input is a 4xx problem, on both databases, and leaves everything stored as it was:
huge integers, numbers that are not whole, repeated keys, local times the clocks skipped,
bodies, URLs and headers over the limits, and import files that are not UTF-8."""

import base64
import io
import json
import os

import pytest
import requests
from click.testing import CliRunner
from conftest import assert_problem, cli_key, new_meeting, serve

from api import db
from api.cli import main
from api.http.auth import create_key
from api.http.request_limits import MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_URL_BYTES
from api.models import Change, Meeting

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


def refused_json(client, auth, method: str, text: str | bytes, named: str) -> dict:
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


# --- Huge integers --------------------------------------------------------------------------


@pytest.mark.parametrize("method", WRITES)
def test_an_integer_of_more_than_4300_digits_is_invalid_json_naming_where(client, auth, method):
    field = '"duration_minutes": '
    text = body_with(method, duration_minutes=1).replace(field + "1", field + HUGE)
    problem = refused_json(client, auth, method, text, "an integer of 5,001 digits")
    assert f"(char {text.index(HUGE)})" in problem["detail"]


@pytest.mark.parametrize("method", WRITES)
def test_a_large_integer_within_the_digits_is_a_422_on_its_field(client, auth, method):
    before = state(client)
    response = send(client, auth, method, body_with(method, duration_minutes=10**40))
    assert_problem(response, 422, "duration_minutes")
    assert state(client) == before


@pytest.mark.parametrize(
    "path, sort",
    [(MEETINGS, "-date"), ("/v1/people", "id"), ("/v1/countries", "code"), ("/v1/topics", "topic")],
)
@pytest.mark.parametrize("keys", ["[5]", f"[1{'0' * 30}]", '["2024-12-11", 5]', f"[{HUGE}]"])
def test_a_cursor_holding_an_integer_is_an_invalid_cursor(client, path, sort, keys):
    """Every list's keys are text: a cursor (opaque, but easily made) holding a number is a
    422, not a 500 where a number met text, and one too long to read is a 422 too."""
    text = f'{{"d": "next", "s": "{sort}", "k": {keys}}}'
    given = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    assert_problem(client.get(f"{path}?cursor={given}"), 422, "cursor")


@pytest.mark.parametrize(
    "query, name",
    [(f"limit={HUGE}", "limit"), (f"since={HUGE}", "since"), ("since=1" + "0" * 30, "since")],
)
def test_a_huge_integer_in_a_query_is_a_422_naming_it(client, query, name):
    path = "/v1/changes" if name == "since" else MEETINGS
    assert_problem(client.get(f"{path}?{query}"), 422, name)


# --- Numbers that are not whole -------------------------------------------------------------


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("value", [1.5, 30.5, "30", True])
def test_duration_minutes_takes_whole_numbers_only(client, auth, method, value):
    """1.5 was stored as 1; a string or a boolean is no number either."""
    before = state(client)
    response = send(client, auth, method, body_with(method, duration_minutes=value))
    problem = assert_problem(response, 422, "duration_minutes")
    assert problem["errors"]["duration_minutes"] == ["Not a valid integer."]
    assert state(client) == before


@pytest.mark.parametrize("method", WRITES)
def test_a_whole_number_written_with_a_point_is_an_integer(client, auth, method):
    """JSON Schema counts 30.0 an integer, as the spec's `type: integer` does: it is 30."""
    response = send(client, auth, method, body_with(method, duration_minutes=30.0))
    assert response.status_code in (200, 201), response.get_json()
    assert response.get_json()["duration_minutes"] == 30


@pytest.mark.parametrize("kind", ["agreed_points", "discussed"])
def test_a_point_position_takes_whole_numbers_only(client, auth, kind):
    before = state(client)
    point = {"text": "Keep in close contact.", "position": 1.5, "quote": "keep in close contact"}
    if kind == "agreed_points":
        point["kind"] = "agreement"
    response = send(client, auth, "post", body_with("post", **{kind: [point]}))
    assert_problem(response, 422, kind)
    assert state(client) == before


# --- Repeated keys --------------------------------------------------------------------------


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("spelled", ['"title"', '"\\u0074itle"'])
def test_a_key_repeated_in_one_object_is_invalid_json_naming_it(client, auth, method, spelled):
    """JSON leaves a repeated key's meaning open; Python kept the last value. The same key
    spelled with an escape is the same key."""
    text = body_with(method, title="First")
    text = text.replace('"title": "First"', f'"title": "First", {spelled}: "Second"')
    problem = refused_json(client, auth, method, text, "key 'title' repeated in one object")
    assert f"(char {text.index(f', {spelled}') + 2})" in problem["detail"]


def test_a_key_repeated_in_a_nested_object_is_named_where_it_stands(client, auth):
    text = json.dumps(new_meeting()).replace('"name": "Min-ho Lee"', '"name": "A", "name": "B"')
    where = text.index('"name": "B"')
    problem = refused_json(client, auth, "post", text, "key 'name' repeated in one object")
    assert f"(char {where})" in problem["detail"]


@pytest.mark.parametrize("method", WRITES)
def test_a_body_that_is_not_utf8_is_invalid_json_naming_where(client, auth, method):
    text = body_with(method, title="Cafe talks").encode()  # ASCII: a byte is a character
    latin1 = text.replace(b"Cafe", b"Caf\xe9")
    where = text.index(b"Cafe") + 3
    problem = refused_json(client, auth, method, latin1, "not UTF-8: byte 0xe9")
    assert f"(char {where})" in problem["detail"]


def test_the_same_key_in_two_objects_is_no_repeat(client, auth):
    response = send(client, auth, "post", json.dumps(new_meeting()))
    assert response.status_code == 201, response.get_json()


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


# --- Bodies, URLs and headers over the limits -----------------------------------------------


@pytest.fixture
def small_body_app(database_url):
    from api import create_app

    return create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "MEETINGS_MAX_BODY_BYTES": 3000}
    )


@pytest.mark.parametrize("method", WRITES)
def test_a_chunked_body_over_the_limit_is_a_413_problem(small_body_app, method):
    """A chunked body has no Content-Length to refuse it by: it is read to one byte past the
    limit. Over it, whatever it holds, is a 413; just at it, the body is read as any other."""
    client = small_body_app.test_client()
    with small_body_app.app_context(), db.db.connection_context():
        auth = {"Authorization": f"Bearer {create_key('chunked')}"}
    before = state(client)
    text = body_with(method, summary="word " * 600)[:3001]
    chunked = {"input_stream": io.BytesIO(text.encode())}
    chunked["environ_overrides"] = {"wsgi.input_terminated": True}  # as a server says so
    problem = assert_problem(send(client, auth, method, None, **chunked), 413)
    assert problem["title"] == "Content Too Large"
    assert "3000 bytes" in problem["detail"]
    assert state(client) == before
    chunked["input_stream"] = io.BytesIO(text[:3000].encode())
    response = send(client, auth, method, None, **chunked)
    assert_problem(response, 422 if method == "patch" else 400)  # cut short: not JSON
    assert state(client) == before


@pytest.mark.parametrize("method", ["get", "head", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", [MEETINGS, f"{MEETINGS}/{TARGET}", "/v1/people", "/nowhere"])
def test_a_url_over_the_limit_is_a_414_problem(client, auth, method, path):
    """Lists and items of meetings included, which are otherwise answered before Flask."""
    before = state(client)
    query = "q=" + "a" * (MAX_URL_BYTES - len(path))
    headers = {**auth, "Access-Control-Request-Method": "GET", "Origin": "https://example.org"}
    response = getattr(client, method)(f"{path}?{query}", headers=headers)
    if method == "head":
        assert response.status_code == 414 and response.data == b""
    else:
        problem = assert_problem(response, 414)
        assert problem["title"] == "URI Too Long"
        assert f"more than the {MAX_URL_BYTES} this API accepts" in problem["detail"]
    assert state(client) == before
    assert client.get(f"{path}?{query[:-20]}", headers=headers).status_code != 414


@pytest.mark.parametrize("method", ["get", "post", "patch", "options"])
@pytest.mark.parametrize(
    "extra",
    [
        {"X-Long": "a" * MAX_HEADER_BYTES},
        {f"X-Field-{i}": "a" for i in range(MAX_HEADER_FIELDS)},
    ],
    ids=["long", "many"],
)
def test_header_fields_over_the_limits_are_a_431_problem(client, auth, method, extra):
    before = state(client)
    headers = {**auth, **extra, "Access-Control-Request-Method": "GET"}
    path = f"{MEETINGS}/{TARGET}" if method == "patch" else MEETINGS
    response = getattr(client, method)(path, headers=headers)
    problem = assert_problem(response, 431)
    assert problem["title"] == "Request Header Fields Too Large"
    accepts = f"this API accepts {MAX_HEADER_FIELDS} fields and {MAX_HEADER_BYTES} bytes"
    assert accepts in problem["detail"]
    assert state(client) == before


# --- Import files ---------------------------------------------------------------------------


@pytest.fixture
def stored(database_url, monkeypatch):
    """What is stored in the seeded database `meetings import` writes to: its meetings, each
    with its revision, and the last change in the log."""
    monkeypatch.setenv("DATABASE_URL", database_url)

    def now():
        db.bind(database_url)
        with db.db.connection_context():
            meetings = dict(Meeting.select(Meeting.id, Meeting.revision).tuples())
            return meetings, Change.select(Change.seq).order_by(Change.seq.desc()).scalar()

    return now


def imported(path) -> str:
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: import rejected, nothing was stored:\n")
    return result.output


def lines(count: int) -> list[str]:
    return [json.dumps(new_meeting(id=f"imported-{i}"), ensure_ascii=False) for i in range(count)]


def test_an_import_that_is_not_utf8_names_the_line_and_stores_nothing(tmp_path, stored):
    before = stored()
    path = tmp_path / "not-utf8.ndjson"
    records = lines(3)
    column = records[1].index("Aki Tanaka") + 3  # where the byte stands, counted from 1
    raw = [record.encode() for record in records]
    raw[1] = raw[1].replace(b"Aki Tanaka", b"Ak\xef Tanaka")
    text = b"\n".join(raw)
    path.write_bytes(text + b"\n")
    assert f"line 2: not valid JSON: not UTF-8: byte 0xef: line 1 column {column}" in imported(path)
    path.write_bytes(b"[" + text.replace(b"\n", b",\n") + b"]")
    assert f"not valid JSON: not UTF-8: byte 0xef: line 2 column {column}" in imported(path)
    seed = tmp_path / "not-utf8.yaml"
    seed.write_bytes("source:\n  id: caf\xe9\n".encode("latin-1"))
    assert "not-utf8.yaml: line 2: not UTF-8: byte 0xe9 at column 10" in imported(seed)
    assert stored() == before


BAD_LINES = {
    "not whole": (
        json.dumps(new_meeting(id="bad", duration_minutes=1.5)),
        "line 2: duration_minutes: Not a valid integer.",
    ),
    "huge": (
        json.dumps(new_meeting(id="bad", duration_minutes=1)).replace(": 1}", f": {HUGE}}}"),
        "line 2: not valid JSON: an integer of 5,001 digits",
    ),
    "repeated": (
        json.dumps(new_meeting(id="bad")).replace('"title": ', '"title": "One", "title": '),
        "line 2: not valid JSON: key 'title' repeated in one object",
    ),
    "skipped time": (
        json.dumps(new_meeting(id="bad", **GAP)),
        "line 2: start_time: There was no 02:30 on 2025-03-09 in America/New_York",
    ),
}


@pytest.mark.parametrize("bad", BAD_LINES)
def test_an_import_line_with_a_bad_value_is_named_and_nothing_is_stored(tmp_path, stored, bad):
    before = stored()
    line, named = BAD_LINES[bad]
    path = tmp_path / "bad.ndjson"
    path.write_text("\n".join([*lines(1), line, *lines(3)[1:]]) + "\n", encoding="utf-8")
    assert named in imported(path)
    assert stored() == before


def test_an_import_line_may_hold_any_line_separator_but_a_line_feed(tmp_path, stored):
    """Lines end at line feeds: U+2028, U+2029 or NEL in a record's text is that text."""
    records = lines(2)
    text = "Keep\u2028in\x85close\u2029contact."
    records[1] = records[1].replace("Keep in close contact.", text)
    path = tmp_path / "separators.ndjson"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 created, 0 updated, 0 unchanged"
    stored()  # binds the database
    with db.db.connection_context():
        document = json.loads(Meeting.get_by_id("imported-1").document)
    assert document["agreed_points"][0]["text"] == text


# --- The same, against the real server --------------------------------------------------------


class Answer:
    """A response from the server, read the way assert_problem and state read the test
    client's."""

    def __init__(self, response: requests.Response):
        self.status_code, self.headers, self.text = (
            response.status_code,
            response.headers,
            response.text,
        )

    def get_json(self, force: bool = False):
        return json.loads(self.text)

    def get_data(self, as_text: bool = False) -> str:
        return self.text


class Remote:
    """The running server, asked as a test client is (`state`, `send`)."""

    def __init__(self, base: str):
        self.base = base

    def request(self, method: str, path: str, data=None, headers=None) -> Answer:
        response = requests.request(
            method, self.base + path, data=data, headers=headers, timeout=30
        )
        return Answer(response)

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> Answer:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> Answer:
        return self.request("PATCH", path, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases):
    """`meetings serve` over a seeded database of each kind, taking bodies of 3,000 bytes."""
    folder = tmp_path_factory.mktemp("bad-input")
    env = {**os.environ, "DATABASE_URL": databases.seeded(), "MEETINGS_MAX_BODY_BYTES": "3000"}
    auth = {"Authorization": f"Bearer {cli_key(env, 'bad-input')}"}
    with serve(folder, env, workers=2) as running:
        yield Remote(running["base"]), auth


@pytest.mark.e2e
@pytest.mark.parametrize("size", [MAX_URL_BYTES + 1, 60_000])
@pytest.mark.parametrize("path", [MEETINGS, f"{MEETINGS}/{TARGET}"])
def test_the_server_refuses_an_over_long_request_line_with_a_414_problem(server, size, path):
    """Up to granian's own limit on a URL (65,534 bytes), above which it answers an empty 414."""
    remote, auth = server
    before = state(remote)
    query = "q=" + "a" * (size - len(path) - 2)
    for method in ("GET", "PATCH"):
        response = remote.request(method, f"{path}?{query}", headers=auth)
        assert assert_problem(response, 414)["detail"].startswith("The URL's path and query")
    assert state(remote) == before


@pytest.mark.e2e
@pytest.mark.parametrize(
    "extra",
    [{"X-Long": "a" * 100_000}, {f"X-Field-{i}": "a" for i in range(MAX_HEADER_FIELDS + 20)}],
    ids=["long", "many"],
)
def test_the_server_refuses_header_fields_over_the_limits_with_a_431_problem(server, extra):
    remote, auth = server
    before = state(remote)
    for method, path in (("GET", f"{MEETINGS}/{TARGET}"), ("POST", MEETINGS)):
        response = remote.request(method, path, headers={**auth, **extra})
        assert_problem(response, 431)
    assert state(remote) == before


@pytest.mark.e2e
@pytest.mark.parametrize("method", WRITES)
def test_the_server_refuses_a_chunked_body_over_the_limit_with_a_413_problem(server, method):
    remote, auth = server
    before = state(remote)
    text = body_with(method, summary="word " * 600).encode()

    def chunked(size: int):  # requests sends a generator's pieces as chunks
        return (text[i : i + 500] for i in range(0, size, 500))

    problem = assert_problem(send(remote, auth, method, chunked(3500)), 413)
    assert "3000 bytes" in problem["detail"]
    assert state(remote) == before
    response = send(remote, auth, method, chunked(3000))  # just at the limit: read, not JSON
    assert_problem(response, 422 if method == "patch" else 400)
    assert state(remote) == before


@pytest.mark.parametrize("name, value", [("country", "JP"), ("topic", "north-korea")])
def test_a_repeatable_filter_takes_twenty_values_at_most(client, name, value):
    query = "&".join([f"{name}={value}"] * 21)
    assert_problem(client.get(f"{MEETINGS}?{query}"), 422, name)
    assert client.get(f"{MEETINGS}?{'&'.join([f'{name}={value}'] * 20)}").status_code == 200
