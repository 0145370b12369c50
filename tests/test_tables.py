"""The other lists (countries, people, sources, topics) in CSV and NDJSON: every item, as the
JSON pages show it, streamed in one response."""

import csv
import io
import json

import pytest
from conftest import assert_problem, new_meeting

LISTS = ("/v1/countries", "/v1/topics", "/v1/people", "/v1/sources", "/v1/people?country=KR")


def every_item(client, path: str) -> list[dict]:
    """Every item of a list, walked page by page in JSON, two at a time."""
    items, url = [], path + ("&" if "?" in path else "?") + "limit=2"
    while url:
        body = client.get(url).get_json()
        items += body["data"]
        url = body["links"]["next"]
    return items


def as_cell(value) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


@pytest.mark.parametrize("path", LISTS)
def test_ndjson_lines_are_every_item_of_the_json_pages(client, path):
    items = every_item(client, path)
    assert len(items) > 2  # more than one page
    response = client.get(path, headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert response.headers["Vary"] == "Accept"
    text = response.get_data(as_text=True)
    assert text.endswith("\n")
    assert [json.loads(line) for line in text.splitlines()] == items


@pytest.mark.parametrize("path", LISTS)
def test_csv_rows_are_every_item_of_the_json_pages(client, path):
    items = every_item(client, path)
    response = client.get(
        path + ("&" if "?" in path else "?") + "limit=1", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0] == list(items[0])  # the columns are the JSON item's fields, in order
    assert rows[1:] == [[as_cell(value) for value in item.values()] for item in items]


def test_a_filter_keeps_its_matches_in_every_type(client):
    korean = {p["id"] for p in every_item(client, "/v1/people?country=KR")}
    everyone = {p["id"] for p in every_item(client, "/v1/people")}
    assert korean and korean < everyone
    lines = client.get("/v1/people?country=KR", headers={"Accept": "application/x-ndjson"})
    assert {json.loads(line)["id"] for line in lines.get_data(as_text=True).splitlines()} == korean


@pytest.mark.parametrize("path", LISTS)
def test_json_pages_say_they_vary_by_accept(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Vary"] == "Accept"
    assert "data" in response.get_json()


@pytest.mark.parametrize("path", LISTS)
def test_a_type_no_list_speaks_is_a_406_problem(client, path):
    response = client.get(path, headers={"Accept": "text/calendar"})
    body = assert_problem(response, 406)
    assert response.headers["Vary"] == "Accept"
    assert "text/csv" in body["detail"] and "application/x-ndjson" in body["detail"]


def test_csv_cells_of_people_and_sources_never_run_as_formulas(client, auth):
    body = new_meeting()
    body["participants"][0]["person"] |= {"id": "formula-person", "name": "=1+1"}
    body["sources"][0] |= {"id": "formula-source", "title": "@SUM(A1:A9)"}
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    for path, wanted, column, text in (
        ("/v1/people", "formula-person", "name", "=1+1"),
        ("/v1/sources", "formula-source", "title", "@SUM(A1:A9)"),
    ):
        feed = client.get(path, headers={"Accept": "text/csv"}).get_data(as_text=True)
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(feed, newline=""))}
        assert rows[wanted][column] == "'" + text
        assert client.get(f"{path}/{wanted}").get_json()[column] == text


@pytest.mark.parametrize("since", [0, 5])
def test_the_change_log_streams_every_change_after_since(client, since):
    query = f"/v1/changes?since={since}&type=meeting&type=person"
    page = client.get(query + "&limit=1000").get_json()
    assert page["meta"]["total"] == len(page["data"]) > 2
    lines = client.get(query + "&limit=1", headers={"Accept": "application/x-ndjson"})
    assert lines.headers["Content-Type"] == "application/x-ndjson"
    assert [json.loads(line) for line in lines.get_data(as_text=True).splitlines()] == page["data"]
    feed = client.get(query, headers={"Accept": "text/csv"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(feed, newline="")))
    assert rows[0] == list(page["data"][0])
    assert rows[1:] == [[as_cell(value) for value in change.values()] for change in page["data"]]
    assert_problem(client.get(query, headers={"Accept": "text/calendar"}), 406)


def test_csv_writes_booleans_as_json_does(client):
    feed = client.get("/v1/meetings", headers={"Accept": "text/csv"}).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(feed, newline="")))
    shown = {m["id"]: m for m in client.get("/v1/meetings?limit=100").get_json()["data"]}
    assert {row["duration_approximate"] for row in rows} == {"true", "false"}
    for row in rows:
        assert row["duration_approximate"] == json.dumps(shown[row["id"]]["duration_approximate"])
