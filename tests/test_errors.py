"""Every error is an RFC 9457 problem: unknown routes, wrong methods, bad input, faults."""

import logging

import pytest
from conftest import assert_problem

from api.queries import pages


def test_unknown_route_is_404_problem(client):
    body = assert_problem(client.get("/v1/no-such-thing"), 404)
    assert body["instance"] == "/v1/no-such-thing"


@pytest.mark.parametrize(
    "path", ["/v1//meetings", "//v1/meetings", "///v1/meetings", "/v1/meetings//x"]
)
def test_a_path_with_doubled_slashes_is_a_404_problem_not_an_html_redirect(client, path):
    # As sent on the wire: the test client would read "//v1" as a host.
    sent = {"PATH_INFO": path}
    assert_problem(client.get("/", environ_overrides=sent), 404)
    assert_problem(client.post("/", json={}, environ_overrides=sent), 404)
    assert_problem(client.options("/", environ_overrides=sent), 404)


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/v1/meetings")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert "DELETE" not in response.headers["Allow"]


def test_server_fault_is_500_without_internals(app, client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret table name and SQL: SELECT * FROM meeting")

    monkeypatch.setattr(pages, "page_rows", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR, logger="api"):
        response = client.get("/v1/meetings?limit=1")
    body = assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert "secret" not in text and "SELECT" not in text and "RuntimeError" not in text
    assert body["title"] == "Internal Server Error"
    # The details go to the server's log instead, once.
    logged = [r for r in caplog.records if r.exc_info and "secret" in str(r.exc_info[1])]
    assert len(logged) == 1


def test_unknown_parameter_is_ignored_on_every_list(client):
    for path in ("/v1/meetings", "/v1/countries", "/v1/people", "/v1/sources", "/v1/topics"):
        assert client.get(f"{path}?no_such_parameter=1").status_code == 200, path


def test_bad_limit_is_422_on_every_list(client):
    for path in ("/v1/meetings", "/v1/countries", "/v1/people", "/v1/sources", "/v1/topics"):
        assert_problem(client.get(f"{path}?limit=0"), 422, "limit")
        assert_problem(client.get(f"{path}?limit=101"), 422, "limit")


@pytest.mark.parametrize("bad_id", ["%00", "a%00b", "Upper-Case", "x" * 101, "trailing%0A"])
def test_an_id_no_record_could_have_is_a_404_on_both_databases(client, auth, bad_id):
    """Every id is a slug; any other (a NUL character, which PostgreSQL's text cannot hold,
    say) is looked up nowhere and answers as an unknown id does."""
    for kind, one in (("meetings", "meeting"), ("people", "person"), ("sources", "source")):
        body = assert_problem(client.get(f"/v1/{kind}/{bad_id}"), 404)
        assert body["detail"].startswith(f"No {one} with id ")
    headers = {**auth, "If-Match": '"x.1"', "Content-Type": "application/json"}
    assert_problem(client.delete(f"/v1/meetings/{bad_id}", headers=headers), 404)
    response = client.patch(
        f"/v1/meetings/{bad_id}",
        data="{}",
        headers={**headers, "Content-Type": "application/merge-patch+json"},
    )
    assert_problem(response, 404)
