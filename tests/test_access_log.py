"""Request ids and the access log: one JSON line per request, with the id the client sees."""

import datetime as dt
import json
import re

import pytest
from conftest import assert_problem, new_meeting

from api import create_app

FIELDS = {
    "time",
    "method",
    "path",
    "query",
    "status",
    "duration_ms",
    "request_id",
    "remote_addr",
    "api_key",
}


def access_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "meetings.access"]


@pytest.fixture
def logged(capsys):
    """The access lines written to standard error since the last call."""
    capsys.readouterr()
    return lambda: access_lines(capsys.readouterr().err)


def test_a_request_logs_one_json_line_with_its_fields(client, logged):
    response = client.get(
        "/v1/meetings?limit=2&country=JP", environ_base={"REMOTE_ADDR": "192.0.2.4"}
    )
    assert response.status_code == 200
    [line] = logged()
    assert FIELDS <= set(line)
    assert line["method"] == "GET"
    assert line["path"] == "/v1/meetings"
    assert line["query"] == "limit=2&country=JP"
    assert line["status"] == 200
    assert line["remote_addr"] == "192.0.2.4"
    assert line["api_key"] is None
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["time"].endswith("Z")
    moment = dt.datetime.fromisoformat(line["time"])
    assert abs(dt.datetime.now(dt.UTC) - moment) < dt.timedelta(minutes=1)
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert response.headers["X-Request-ID"] == line["request_id"]


def test_each_request_gets_its_own_id(client, logged):
    ids = [client.get("/v1/topics").headers["X-Request-ID"] for _ in range(3)]
    assert len(set(ids)) == 3
    assert [line["request_id"] for line in logged()] == ids


def test_a_write_logs_the_key_name(client, auth, logged):
    response = client.post("/v1/meetings", json=new_meeting(id="logged-write"), headers=auth)
    assert response.status_code == 201
    [line] = logged()
    assert (line["method"], line["status"], line["api_key"]) == ("POST", 201, "tests")


def test_a_client_id_is_echoed_and_logged(client, logged):
    given = "checkout-7f3a/2025-01-10 #42"
    response = client.get("/v1/topics", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given
    assert logged()[0]["request_id"] == given


@pytest.mark.parametrize("given", ["x" * 201, "tab\there", "caf\u00e9", "   "])
def test_an_insane_client_id_is_replaced(client, logged, given):
    response = client.get("/v1/topics", headers={"X-Request-ID": given})
    echoed = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)
    assert logged()[0]["request_id"] == echoed


def test_the_longest_sane_id_is_kept(client):
    given = "a" * 200
    assert (
        client.get("/v1/topics", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    )


def test_errors_echo_the_id_too(client, auth, logged):
    responses = {
        404: client.get("/v1/no-such-thing", headers={"X-Request-ID": "r-404"}),
        405: client.delete("/v1/meetings", headers={"X-Request-ID": "r-405"}),
        422: client.get("/v1/meetings?limit=0", headers={"X-Request-ID": "r-422"}),
        401: client.post("/v1/meetings", json={}, headers={"X-Request-ID": "r-401"}),
    }
    for status, response in responses.items():
        assert_problem(response, status)
        assert response.headers["X-Request-ID"] == f"r-{status}"
    lines = logged()
    assert [(line["status"], line["request_id"]) for line in lines] == [
        (status, f"r-{status}") for status in responses
    ]


def test_a_server_fault_echoes_the_id_and_logs_the_error_with_it(app, capsys):
    def broken():
        raise RuntimeError("boom")

    # A view of its own that fails, so the test does not hang on any resource's internals.
    app.add_url_rule("/v1/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    capsys.readouterr()
    response = app.test_client().get("/v1/broken", headers={"X-Request-ID": "r-500"})
    assert_problem(response, 500)
    assert response.headers["X-Request-ID"] == "r-500"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    errors = [line for line in lines if line.get("level") == "ERROR"]
    assert errors and all(line["request_id"] == "r-500" for line in errors)
    assert "RuntimeError: boom" in errors[0]["traceback"]
    [access] = [line for line in lines if line.get("logger") == "meetings.access"]
    assert (access["status"], access["request_id"]) == (500, "r-500")


def test_a_streamed_list_is_logged_once_after_its_body(client, logged):
    response = client.get("/v1/meetings", headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert len(body.splitlines()) > 1
    [line] = logged()
    assert (line["status"], line["request_id"]) == (200, response.headers["X-Request-ID"])


def test_a_hostile_path_stays_on_one_line(client, logged):
    client.get("/v1/no%0Asuch%0D%0Athing")
    [line] = logged()
    assert line["path"] == "/v1/no\nsuch\r\nthing"


def test_the_log_level_setting_can_silence_the_access_log(database_url, capsys):
    settings = {"DATABASE_URL": database_url, "TESTING": True}
    quiet = create_app({**settings, "MEETINGS_LOG_LEVEL": "WARNING"})
    try:
        capsys.readouterr()
        assert quiet.test_client().get("/v1/topics").status_code == 200
        assert access_lines(capsys.readouterr().err) == []
    finally:
        create_app(settings)  # loggers are process-wide: back to INFO for the tests after
