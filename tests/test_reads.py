"""Reads of one meeting and JSON pages of meetings answered beside Flask (`api.reads`): the
same answers as the views, the same read budget, and everything else left to Flask."""

import pytest
from conftest import assert_problem, count_queries, new_meeting
from test_access_log import access_lines

from api import create_app
from api.reads import Reads


def make_app(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **settings})


def reads(app) -> Reads:
    """The app's Reads middleware, under the access log and any proxy fix."""
    layer = app.wsgi_app
    while not isinstance(layer, Reads):
        layer = getattr(layer, "wsgi_app", None) or layer.app
    return layer


def flask_only(app):
    """The app with its Reads middleware taken out: every read goes to the Flask views."""
    outer = app.wsgi_app
    while not isinstance(outer.wsgi_app, Reads):
        outer = outer.wsgi_app
    outer.wsgi_app = outer.wsgi_app.wsgi_app
    return app


def dispatched(app) -> list:
    """The paths handed on to Flask from now on."""
    paths = []
    middleware = reads(app)
    flask_app = middleware.wsgi_app

    def recording(environ, start_response):
        paths.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    middleware.wsgi_app = recording
    return paths


def answer(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "X-Request-ID")
    return response.status, headers, response.get_data()


def a_meeting_id(client) -> str:
    return client.get("/v1/meetings?limit=1").get_json()["data"][0]["id"]


@pytest.mark.parametrize("read_limit", ["off", "1000 per minute", "1000/hour; 50/second"])
def test_answers_are_those_of_the_flask_view(database_url, read_limit):
    fast = make_app(database_url, MEETINGS_READ_RATE_LIMIT=read_limit)
    slow = flask_only(make_app(database_url, MEETINGS_READ_RATE_LIMIT=read_limit))
    fast_client, slow_client = fast.test_client(), slow.test_client()
    meeting_id = a_meeting_id(fast_client)
    assert a_meeting_id(slow_client) == meeting_id
    path = f"/v1/meetings/{meeting_id}"
    tag = fast_client.get(path).headers["ETag"]
    slow_client.get(path)  # both budgets have now spent two reads
    seen = dispatched(fast)
    cases = [
        ("GET", path, {}),
        ("HEAD", path, {}),
        ("GET", path, {"If-None-Match": tag}),
        ("HEAD", path, {"If-None-Match": tag}),
        ("GET", path, {"If-None-Match": f"W/{tag}"}),
        ("GET", path, {"If-None-Match": f'"other", {tag}'}),
        ("GET", path, {"If-None-Match": "*"}),
        ("GET", path, {"If-None-Match": '"stale"'}),
        ("GET", path + "?fields=ignored", {}),
        ("GET", path, {"Accept": "text/csv", "Origin": "https://example.org"}),
    ]
    for method, url, headers in cases:
        got = fast_client.open(url, method=method, headers=headers)
        expected = slow_client.open(url, method=method, headers=headers)
        assert answer(got) == answer(expected), (method, url, headers)
        assert got.status_code in (200, 304)
    assert seen == []  # none of them went through Flask


def test_a_revalidation_is_a_bodyless_304(client):
    meeting_id = a_meeting_id(client)
    tag = client.get(f"/v1/meetings/{meeting_id}").headers["ETag"]
    again = client.get(f"/v1/meetings/{meeting_id}", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["ETag"] == tag
    assert again.get_data() == b""
    assert "Content-Type" not in again.headers


def test_the_body_is_the_stored_record_after_a_write(client, auth):
    created = client.post("/v1/meetings", json=new_meeting(id="read-after-write"), headers=auth)
    assert created.status_code == 201
    read = client.get("/v1/meetings/read-after-write")
    assert read.status_code == 200
    assert read.get_json() == created.get_json()
    assert read.headers["ETag"] == created.headers["ETag"]
    changed = client.patch(
        "/v1/meetings/read-after-write",
        data='{"summary": "They agreed to meet again."}',
        headers={
            **auth,
            "If-Match": created.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert changed.status_code == 200
    stale = client.get(
        "/v1/meetings/read-after-write", headers={"If-None-Match": created.headers["ETag"]}
    )
    assert stale.status_code == 200
    assert stale.headers["ETag"] == changed.headers["ETag"] != created.headers["ETag"]
    assert stale.get_json()["summary"] == "They agreed to meet again."


def test_missing_deleted_and_odd_ids_are_left_to_flask(app, auth):
    client = app.test_client()
    created = client.post("/v1/meetings", json=new_meeting(id="soon-gone"), headers=auth)
    gone = client.delete(
        "/v1/meetings/soon-gone", headers={**auth, "If-Match": created.headers["ETag"]}
    )
    assert gone.status_code == 204
    seen = dispatched(app)
    assert_problem(client.get("/v1/meetings/never-was"), 404)
    assert_problem(client.get("/v1/meetings/soon-gone"), 410)
    upper = a_meeting_id(client).upper()
    assert_problem(client.get(f"/v1/meetings/{upper}"), 404)
    assert seen == ["/v1/meetings/never-was", "/v1/meetings/soon-gone", f"/v1/meetings/{upper}"]


def test_writes_and_other_paths_still_go_to_flask(app, auth):
    client = app.test_client()
    meeting_id = a_meeting_id(client)
    seen = dispatched(app)
    tag = client.get(f"/v1/meetings/{meeting_id}").headers["ETag"]
    assert seen == []
    unauthorized = client.delete(f"/v1/meetings/{meeting_id}", headers={"If-Match": tag})
    assert_problem(unauthorized, 401)
    assert client.get(f"/v1/meetings/{meeting_id}/").status_code == 404
    assert seen == [f"/v1/meetings/{meeting_id}", f"/v1/meetings/{meeting_id}/"]


def test_item_reads_and_other_reads_spend_one_budget(database_url):
    client = make_app(database_url, MEETINGS_READ_RATE_LIMIT="4 per minute").test_client()
    meeting_id = client.get("/v1/meetings?limit=1").get_json()["data"][0]["id"]
    item = f"/v1/meetings/{meeting_id}"
    first = client.get(item)
    tag = first.headers["ETag"]
    second = client.get(item, headers={"If-None-Match": tag})
    third = client.get("/v1/topics")
    assert [r.status_code for r in (first, second, third)] == [200, 304, 200]
    assert [r.headers["RateLimit-Remaining"] for r in (first, second, third)] == ["2", "1", "0"]
    for response in (first, second):
        assert response.headers["RateLimit-Limit"] == "4"
        assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
        assert "Retry-After" not in response.headers
    spent = client.get(item, headers={"If-None-Match": tag})
    problem = assert_problem(spent, 429)
    assert "reads" in problem["detail"]
    assert spent.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(spent.headers["Retry-After"]) <= 60
    # Another address has its own budget.
    other = client.get(item, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200
    assert other.headers["RateLimit-Remaining"] == "3"


def test_the_budget_follows_the_trusted_proxy_address(database_url):
    app = make_app(
        database_url, MEETINGS_READ_RATE_LIMIT="1 per minute", MEETINGS_TRUSTED_PROXIES="1"
    )
    client = app.test_client()
    meeting_id = client.get(
        "/v1/meetings?limit=1", headers={"X-Forwarded-For": "198.51.100.1"}
    ).get_json()["data"][0]["id"]
    item = f"/v1/meetings/{meeting_id}"
    assert_problem(client.get(item, headers={"X-Forwarded-For": "198.51.100.1"}), 429)
    fresh = client.get(item, headers={"X-Forwarded-For": "198.51.100.2"})
    assert fresh.status_code == 200
    assert fresh.headers["RateLimit-Remaining"] == "0"


def test_an_item_read_takes_one_query(client):
    meeting_id = a_meeting_id(client)
    with count_queries() as statements:
        assert client.get(f"/v1/meetings/{meeting_id}").status_code == 200
    assert len(statements) == 1


def test_item_reads_are_logged_with_their_status(client, capsys):
    meeting_id = a_meeting_id(client)
    tag = client.get(f"/v1/meetings/{meeting_id}").headers["ETag"]
    capsys.readouterr()
    response = client.get(
        f"/v1/meetings/{meeting_id}",
        headers={"If-None-Match": tag, "X-Request-ID": "revalidate-1"},
    )
    assert response.headers["X-Request-ID"] == "revalidate-1"
    [line] = access_lines(capsys.readouterr().err)
    assert line["path"] == f"/v1/meetings/{meeting_id}"
    assert line["status"] == 304
    assert line["request_id"] == "revalidate-1"


def a_pair_of_parties(client) -> list[str]:
    """Two countries that took part in one seeded meeting together."""
    meetings = client.get("/v1/meetings?limit=100").get_json()["data"]
    return next(
        [p["country"] for p in m["parties"][:2]] for m in meetings if len(m["parties"]) >= 2
    )


@pytest.mark.parametrize("read_limit", ["off", "1000 per minute", "1000/hour; 50/second"])
def test_list_pages_are_those_of_the_flask_view(database_url, read_limit):
    fast = make_app(database_url, MEETINGS_READ_RATE_LIMIT=read_limit)
    slow = flask_only(make_app(database_url, MEETINGS_READ_RATE_LIMIT=read_limit))
    fast_client, slow_client = fast.test_client(), slow.test_client()
    first, second = a_pair_of_parties(fast_client)
    assert a_pair_of_parties(slow_client) == [first, second]  # one read each so far
    walked = fast_client.get("/v1/meetings?limit=2&sort=date").get_json()["links"]["next"]
    slow_client.get("/v1/meetings?limit=2&sort=date")
    back = fast_client.get(walked).get_json()["links"]["prev"]
    slow_client.get(walked)
    pages = [
        "/v1/meetings",
        "/v1/meetings?limit=1",
        f"/v1/meetings?country={first}&limit=3",
        f"/v1/meetings?country={first}&country={second}&from=2000-01-01&limit=2",
        f"/v1/meetings?country={first.lower()}&to=2100",
        "/v1/meetings?q=summit&limit=2",
        "/v1/meetings?q=nothing-like-this-anywhere",
        "/v1/meetings?sort=date&limit=2&ignored=yes",
        "/v1/meetings?limit=2&limit=50",
        "/v1/meetings?topic=trade&type=summit",
        walked,
        back,
        "/v1/meetings?" + walked.partition("?")[2].replace("limit=2", "limit=3"),
    ]
    left_to_flask = [
        "/v1/meetings?limit=0",
        "/v1/meetings?from=2024&to=2023",
        "/v1/meetings?country=XX",
        "/v1/meetings?cursor=not-a-cursor",
        "/v1/meetings?cursor=" + walked.partition("cursor=")[2],  # a cursor of another sort
    ]
    json_types = [{}, {"Accept": "application/json"}, {"Accept": "*/*"}]
    other_types = [{"Accept": "text/csv"}, {"Accept": "image/png"}]
    seen = dispatched(fast)
    cases = [("GET", url, headers) for url in pages for headers in json_types]
    cases += [("HEAD", url, {}) for url in pages[:3]]
    cases += [("GET", url, {}) for url in left_to_flask]
    cases += [("GET", pages[2], headers) for headers in other_types]
    for method, url, headers in cases:
        got = fast_client.open(url, method=method, headers=headers)
        got_answer = answer(got)
        got.close()  # a streamed answer (CSV) holds its request context until closed
        expected = slow_client.open(url, method=method, headers=headers)
        expected_answer = answer(expected)
        expected.close()
        assert got_answer == expected_answer, (method, url, headers)
    answered_here = len(pages) * len(json_types) + 3
    assert len(seen) == len(cases) - answered_here  # the invalid ones and the other types
    assert all(path == "/v1/meetings" for path in seen)


def test_list_pages_and_item_reads_spend_one_budget(database_url):
    client = make_app(database_url, MEETINGS_READ_RATE_LIMIT="3 per minute").test_client()
    page = client.get("/v1/meetings?limit=1")
    item = client.get(f"/v1/meetings/{page.get_json()['data'][0]['id']}")
    csv = client.get("/v1/meetings?limit=1", headers={"Accept": "text/csv"})
    assert [r.status_code for r in (page, item, csv)] == [200, 200, 200]
    assert [r.headers["RateLimit-Remaining"] for r in (page, item, csv)] == ["2", "1", "0"]
    spent = client.get("/v1/meetings?limit=1")
    assert_problem(spent, 429)
    assert 0 < int(spent.headers["Retry-After"]) <= 60
    # Invalid arguments are answered by Flask, and counted there once.
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert_problem(client.get("/v1/meetings?limit=0", environ_base=other), 422)
    assert client.get("/v1/meetings", environ_base=other).headers["RateLimit-Remaining"] == "1"


def test_list_pages_are_logged_with_their_status(client, capsys):
    capsys.readouterr()
    response = client.get("/v1/meetings?limit=1", headers={"X-Request-ID": "page-1"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "page-1"
    [line] = access_lines(capsys.readouterr().err)
    assert (line["path"], line["status"], line["request_id"]) == ("/v1/meetings", 200, "page-1")
