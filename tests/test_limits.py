"""Limits: request body size, reads per client address, writes per API key.

Failed authentications are in test_auth_limits.py."""

import json

from conftest import assert_problem, new_meeting

from api import create_app, db
from api.http.auth import create_key
from api.models import Meeting


def limited(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **settings})


def key_for(app, name: str) -> dict:
    with app.app_context(), db.db.connection_context():
        return {"Authorization": f"Bearer {create_key(name)}"}


# --- Body size ---------------------------------------------------------------------------------


def test_an_oversize_body_is_a_413_problem_and_nothing_is_stored(database_url):
    app = limited(database_url, MEETINGS_MAX_BODY_BYTES="2000")
    client, headers = app.test_client(), key_for(app, "big")
    body = new_meeting(id="too-big", summary="word " * 1000)
    assert len(json.dumps(body)) > 2000
    response = client.post("/v1/meetings", json=body, headers=headers)
    problem = assert_problem(response, 413)
    assert problem["title"] == "Content Too Large"
    assert "2000 bytes" in problem["detail"]
    with app.app_context(), db.db.connection_context():
        assert Meeting.get_or_none(Meeting.id == "too-big") is None
    assert client.get("/v1/meetings/too-big").status_code == 404


def test_a_body_under_the_limit_is_accepted(database_url):
    app = limited(database_url, MEETINGS_MAX_BODY_BYTES="20000")
    response = app.test_client().post(
        "/v1/meetings", json=new_meeting(id="small-enough"), headers=key_for(app, "small")
    )
    assert response.status_code == 201, response.get_json()


def test_an_oversize_merge_patch_is_a_413_problem(database_url):
    app = limited(database_url, MEETINGS_MAX_BODY_BYTES="2000")
    client, headers = app.test_client(), key_for(app, "patcher")
    created = client.post("/v1/meetings", json=new_meeting(id="to-patch"), headers=headers)
    assert created.status_code == 201
    response = client.patch(
        "/v1/meetings/to-patch",
        data=json.dumps({"summary": "word " * 1000}),
        headers={
            **headers,
            "If-Match": created.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert_problem(response, 413)
    assert client.get("/v1/meetings/to-patch").headers["ETag"] == created.headers["ETag"]


# --- Rate limits -------------------------------------------------------------------------------


def test_reads_over_the_limit_get_a_429_problem_with_rate_limit_headers(database_url):
    client = limited(database_url, MEETINGS_READ_RATE_LIMIT="3 per minute").test_client()
    remaining = []
    for _ in range(3):
        response = client.get("/v1/countries")
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "3"
        assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
        assert "Retry-After" not in response.headers
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    # The budget is the client's for the whole API, not one per endpoint.
    response = client.get("/v1/topics")
    problem = assert_problem(response, 429)
    assert "3 per minute" in problem["detail"]
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["Retry-After"] == response.headers["RateLimit-Reset"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Request-ID"]


def test_another_client_address_has_its_own_read_budget(database_url):
    client = limited(database_url, MEETINGS_READ_RATE_LIMIT="2 per minute").test_client()
    for _ in range(2):
        assert client.get("/v1/topics").status_code == 200
    assert_problem(client.get("/v1/topics"), 429)
    other = client.get("/v1/topics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
    assert other.headers["RateLimit-Remaining"] == "1"


def test_head_counts_as_a_read_and_unknown_paths_count_too(database_url):
    client = limited(database_url, MEETINGS_READ_RATE_LIMIT="2 per minute").test_client()
    assert client.head("/v1/topics").status_code == 200
    assert_problem(client.get("/v1/no-such-thing"), 404)
    assert_problem(client.get("/v1/topics"), 429)


def test_probes_and_docs_are_never_limited(database_url):
    client = limited(database_url, MEETINGS_READ_RATE_LIMIT="1 per minute").test_client()
    for _ in range(3):
        for path in ("/healthz", "/docs/", "/docs/swagger-ui.css"):
            with client.get(path) as response:
                assert response.status_code == 200, path
                assert "RateLimit-Limit" not in response.headers
    assert client.get("/v1/topics").status_code == 200
    assert_problem(client.get("/v1/topics"), 429)
    assert client.get("/healthz").status_code == 200


def test_a_trusted_proxy_gives_the_client_address(database_url):
    app = limited(database_url, MEETINGS_READ_RATE_LIMIT="1 per minute", MEETINGS_TRUSTED_PROXIES=1)
    client = app.test_client()
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert client.get("/v1/topics", headers=first).status_code == 200
    assert_problem(client.get("/v1/topics", headers=first), 429)
    # Same proxy (REMOTE_ADDR), another client behind it.
    assert client.get("/v1/topics", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_without_trusted_proxies_x_forwarded_for_is_ignored(database_url):
    client = limited(database_url, MEETINGS_READ_RATE_LIMIT="1 per minute").test_client()
    assert client.get("/v1/topics", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    forged = client.get("/v1/topics", headers={"X-Forwarded-For": "198.51.100.2"})
    assert_problem(forged, 429)


def test_writes_are_limited_per_api_key(database_url):
    app = limited(database_url, MEETINGS_WRITE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    spender, other = key_for(app, "spender"), key_for(app, "other")
    for number in range(2):
        response = client.post(
            "/v1/meetings", json=new_meeting(id=f"spent-{number}"), headers=spender
        )
        assert response.status_code == 201, response.get_json()
        assert response.headers["RateLimit-Limit"] == "2"
        assert "Access-Control-Allow-Origin" not in response.headers
    refused = client.post("/v1/meetings", json=new_meeting(id="spent-2"), headers=spender)
    problem = assert_problem(refused, 429)
    assert "API key" in problem["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert client.get("/v1/meetings/spent-2").status_code == 404
    # The other key, from the same address, still has its budget.
    response = client.post("/v1/meetings", json=new_meeting(id="other-0"), headers=other)
    assert response.status_code == 201
    assert response.headers["RateLimit-Remaining"] == "1"


def test_writes_without_a_key_are_limited_as_failed_authentications(database_url):
    app = limited(
        database_url,
        MEETINGS_WRITE_RATE_LIMIT="1 per minute",
        MEETINGS_AUTH_FAILURE_LIMIT="1/minute",
    )
    client = app.test_client()
    assert_problem(client.post("/v1/meetings", json={}), 401)
    refused = client.post("/v1/meetings", json={})
    problem = assert_problem(refused, 429)
    assert "failed authentications" in problem["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    elsewhere = client.post("/v1/meetings", json={}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert_problem(elsewhere, 401)


def test_reads_and_writes_have_separate_budgets(database_url):
    app = limited(
        database_url, MEETINGS_READ_RATE_LIMIT="1 per minute", MEETINGS_WRITE_RATE_LIMIT="off"
    )
    client, headers = app.test_client(), key_for(app, "writer")
    assert client.get("/v1/topics").status_code == 200
    assert_problem(client.get("/v1/topics"), 429)
    response = client.post("/v1/meetings", json=new_meeting(id="unlimited"), headers=headers)
    assert response.status_code == 201
    assert "RateLimit-Limit" not in response.headers


def test_off_turns_one_limit_off(database_url):
    app = limited(
        database_url, MEETINGS_READ_RATE_LIMIT="off", MEETINGS_WRITE_RATE_LIMIT="1 per minute"
    )
    client = app.test_client()
    for _ in range(5):
        response = client.get("/v1/topics")
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers
    written = client.post("/v1/meetings", json={}, headers=key_for(app, "one"))
    assert_problem(written, 422)
    assert written.headers["RateLimit-Limit"] == "1"
