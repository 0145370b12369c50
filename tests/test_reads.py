"""Reads of one meeting and pages of meetings, as clients see them: a bodyless 304, the stored
record after a write, problems for missing and deleted ids, one query an item, one read budget
for every read, and an access line each."""

from conftest import assert_problem, count_queries, new_meeting
from test_access_log import access_lines

from api import create_app


def make_app(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **settings})


def a_meeting_id(client) -> str:
    return client.get("/v1/meetings?limit=1").get_json()["data"][0]["id"]


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


def test_missing_deleted_and_odd_ids_are_problems(app, auth):
    client = app.test_client()
    created = client.post("/v1/meetings", json=new_meeting(id="soon-gone"), headers=auth)
    gone = client.delete(
        "/v1/meetings/soon-gone", headers={**auth, "If-Match": created.headers["ETag"]}
    )
    assert gone.status_code == 204
    assert_problem(client.get("/v1/meetings/never-was"), 404)
    assert_problem(client.get("/v1/meetings/soon-gone"), 410)
    upper = a_meeting_id(client).upper()
    assert_problem(client.get(f"/v1/meetings/{upper}"), 404)


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
