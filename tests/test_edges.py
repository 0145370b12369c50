"""Values at the edges of what the API takes, on both databases: digits of other scripts, the
calendar's first and last days, ISO 8601 forms that Python reads and databases don't, and the
numbers JSON has no place for. Each is a 4xx problem naming it, or served whole; never a 500,
a feed cut short, or a record stored where no URL reaches it."""

import base64
import json

import pytest
from conftest import assert_problem, new_meeting

MEETINGS = "/v1/meetings"


def total(client) -> int:
    return client.get(MEETINGS).get_json()["meta"]["total"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "２０２５-01-10"),
        ("date", "٢٠٢٥-01-10"),
        ("date", "202٥"),
        ("start_time", "１２:００"),
    ],
)
def test_digits_of_other_scripts_are_a_422_naming_the_field(client, auth, field, value):
    body = new_meeting(**{field: value, "timezone": "Asia/Tokyo"})
    before = total(client)
    assert_problem(client.post(MEETINGS, json=body, headers=auth), 422, field)
    assert total(client) == before


@pytest.mark.parametrize("query", ["from=٢٠٢٤", "to=２０２４-01", "from=2024-0١"])
def test_digits_of_other_scripts_in_a_date_filter_are_a_422(client, query):
    assert_problem(client.get(f"{MEETINGS}?{query}"), 422, query.split("=")[0])


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
@pytest.mark.parametrize("path", [MEETINGS, f"{MEETINGS}/facets"])
def test_an_updated_since_no_utc_instant_names_is_a_422(client, path, instant):
    given = instant.replace("+", "%2B")
    assert_problem(client.get(f"{path}?updated_since={given}"), 422, "updated_since")


@pytest.mark.parametrize(
    "key", ["2024W011", "20240906", "2024-W01-1", "2024-9-6", "+2024-09-06", "2024-09-06 "]
)
@pytest.mark.parametrize("extra", ["", "&q=summit&sort=-date", "&q=summit", "&country=JP"])
def test_a_cursor_day_in_another_iso_form_is_a_422(client, key, extra):
    """Python reads "2024W011" as a day; PostgreSQL does not: a cursor's day is YYYY-MM-DD."""
    ranked = "q=summit" in extra and "sort" not in extra
    state = {"d": "next", "s": "relevance" if ranked else "-date"}
    state["k"] = ["1.5", key, "a"] if ranked else [key, "a"]
    cursor = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    assert_problem(client.get(f"{MEETINGS}?limit=2&cursor={cursor}{extra}"), 422, "cursor")


@pytest.fixture
def calendar_edges(client, auth):
    """Meetings on the calendar's last day and in its last year, and one whose start, in the
    zone's local mean time of the year 1, is an instant of seconds."""
    made = {}
    for key, fields in {
        "last-day": {"date": "9999-12-31", "title": "The zenith day"},
        "last-year": {"date": "9999", "date_precision": "year", "title": "The zenith year"},
        "first-day": {
            "date": "0001-01-01",
            "start_time": "00:30",
            "timezone": "Pacific/Kiritimati",
            "title": "The first day",
        },
    }.items():
        response = client.post(MEETINGS, json=new_meeting(**fields), headers=auth)
        assert response.status_code == 201, response.get_json()
        made[key] = response.get_json()
    return made


def test_the_calendars_first_and_last_days_are_served_in_every_format(client, calendar_edges):
    # Local mean time of Kiritimati (-10:29:20) in the year 1: an ISO instant, year in 4 digits.
    assert calendar_edges["first-day"]["starts_at"] == "0001-01-01T10:59:20Z"
    feed = client.get(f"{MEETINGS}?limit=100", headers={"Accept": "text/calendar"})
    text = feed.get_data(as_text=True)
    assert feed.status_code == 200 and text.rstrip().endswith("END:VCALENDAR")
    assert text.count("BEGIN:VEVENT") == total(client)
    events = {e.split("SUMMARY:")[1].split("\r\n")[0]: e for e in text.split("BEGIN:VEVENT")[1:]}
    # No day after 9999-12-31 to end on: a day, and a year, as durations.
    assert "DTSTART;VALUE=DATE:99991231\r\nDURATION:P1D" in events["The zenith day"]
    assert "DTSTART;VALUE=DATE:99990101\r\nDURATION:P365D" in events["The zenith year"]
    assert "DTSTART:00010101T105920Z" in events["The first day"]
    csv = client.get(f"{MEETINGS}?limit=100", headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.get_data(as_text=True).count("\n") == total(client) + 1
    lines = client.get(f"{MEETINGS}?limit=100", headers={"Accept": "application/x-ndjson"})
    found = {json.loads(line)["id"]: json.loads(line) for line in lines.get_data().splitlines()}
    assert found[calendar_edges["first-day"]["id"]]["starts_at"] == "0001-01-01T10:59:20Z"


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_a_search_by_date_reaches_the_calendars_last_day_and_pages_past_it(
    client, calendar_edges, sort
):
    listed = client.get(f"{MEETINGS}?q=zenith&sort={sort}&to=9999&limit=1&fields=id").get_json()
    seen = [m["id"] for m in listed["data"]]
    while listed["links"].get("next"):
        response = client.get(listed["links"]["next"])
        assert response.status_code == 200, response.get_json()
        listed = response.get_json()
        seen += [m["id"] for m in listed["data"]]
    expected = {calendar_edges["last-day"]["id"], calendar_edges["last-year"]["id"]}
    assert set(seen) == expected and len(seen) == 2


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, auth, constant):
    text = json.dumps(new_meeting(duration_minutes=12345)).replace("12345", constant)
    before = total(client)
    headers = {**auth, "Content-Type": "application/json"}
    problem = assert_problem(client.post(MEETINGS, data=text, headers=headers), 400)
    assert f"{constant} is not a JSON value" in problem["detail"]
    assert total(client) == before
    # Inside a string they are words like any other.
    body = new_meeting(summary=f"They spoke of {constant}.")
    assert client.post(MEETINGS, json=body, headers=auth).status_code == 201


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"title": "   "}, "title"),
        ({"summary": "\n\t "}, "summary"),
        ({"occasion": " "}, "occasion"),
        ({"start_time": "10:00", "timezone": "localtime"}, "timezone"),
        ({"start_time": "10:00", "timezone": "Factory"}, "timezone"),
    ],
)
def test_blank_text_and_a_zone_of_no_place_are_a_422(client, auth, fields, named):
    """White space says nothing, and "localtime" is whatever zone the server's machine is in."""
    before = total(client)
    assert_problem(client.post(MEETINGS, json=new_meeting(**fields), headers=auth), 422, named)
    assert total(client) == before


def test_an_empty_publisher_is_a_422(client, auth):
    body = new_meeting()
    body["sources"][0]["publisher"] = ""
    before = total(client)
    problem = assert_problem(client.post(MEETINGS, json=body, headers=auth), 422, "sources")
    assert "publisher" in str(problem["errors"]["sources"])
    assert total(client) == before
    assert client.get("/v1/sources/test-source").status_code == 404


def test_a_404_repeats_an_unknown_id_shortened_and_escaped(client):
    long_id = "x" * 5000
    detail = assert_problem(client.get(f"{MEETINGS}/{long_id}"), 404)["detail"]
    assert len(detail) < 200 and "x" * 100 + "…" in detail
    detail = assert_problem(client.get(f"{MEETINGS}/a%00b"), 404)["detail"]
    assert "\x00" not in detail and "a\\x00b" in detail


@pytest.mark.parametrize(
    "query",
    [
        "/v1/changes?since=٣",
        "/v1/changes?since=%201",
        "/v1/changes?since=1_0",
        "/v1/changes?limit=+5",
        f"{MEETINGS}?limit=١",
        f"{MEETINGS}?limit=%205",
    ],
)
def test_an_integer_in_a_query_is_ascii_digits(client, query):
    name = query.split("?")[1].split("=")[0]
    assert_problem(client.get(query), 422, name)


def test_evidence_rests_on_one_of_the_meetings_sources(client, auth):
    entry = {"field": "/date", "source": "other-source", "basis": "reported"}
    entry |= {"exact": "x", "start": 1, "end": 2}
    before = total(client)
    body = new_meeting(evidence=[entry])
    problem = assert_problem(client.post(MEETINGS, json=body, headers=auth), 422, "evidence")
    assert "'other-source' is not one of the meeting's" in str(problem["errors"])
    assert total(client) == before
    body = new_meeting(evidence=[{**entry, "source": "test-source"}])
    assert client.post(MEETINGS, json=body, headers=auth).status_code == 201


def test_the_same_participant_twice_is_a_422(client, auth):
    body = new_meeting()
    body["participants"].append(body["participants"][0])
    before = total(client)
    assert_problem(client.post(MEETINGS, json=body, headers=auth), 422, "participants")
    assert total(client) == before
    # The same person in another role is another entry.
    body["participants"][-1] = {**body["participants"][0], "title": "Envoy"}
    assert client.post(MEETINGS, json=body, headers=auth).status_code == 201
