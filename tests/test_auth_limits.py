"""Failed authentications are limited per client address, and only a key that proves itself
spends that key's write budget."""

import secrets

import pytest
from conftest import assert_problem, new_meeting

from api import create_app, db
from api.db import ConfigError
from api.http.auth import create_key, revoke_key


def limited(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **settings})


def make_key(app, name: str) -> str:
    with app.app_context(), db.db.connection_context():
        return create_key(name)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def made_up_key() -> str:
    return f"mr_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def wrong_secret(key: str) -> str:
    prefix, key_id, _ = key.split("_", 2)
    return f"{prefix}_{key_id}_{secrets.token_urlsafe(32)}"


def test_failed_authentications_are_limited_per_client_address(database_url):
    app = limited(database_url, MEETINGS_AUTH_FAILURE_LIMIT="3 per minute")
    client, key = app.test_client(), make_key(app, "real")
    remaining = []
    for _ in range(3):  # a new made-up key id each time: guessing ids is counted all the same
        response = client.post("/v1/meetings", json={}, headers=bearer(made_up_key()))
        assert_problem(response, 401)
        assert response.headers["RateLimit-Limit"] == "3"
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    # Over the limit, even the right key is refused before it is checked: a guess that hit
    # would look no different from one that missed.
    refused = client.post("/v1/meetings", json=new_meeting(id="refused"), headers=bearer(key))
    problem = assert_problem(refused, 429)
    assert "failed authentications" in problem["detail"] and "3 per minute" in problem["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]
    assert "WWW-Authenticate" not in refused.headers
    assert_problem(client.get("/v1/meetings/refused"), 404)
    # Another address has its own budget.
    elsewhere = {"REMOTE_ADDR": "192.0.2.9"}
    created = client.post(
        "/v1/meetings",
        json=new_meeting(id="elsewhere"),
        headers=bearer(key),
        environ_base=elsewhere,
    )
    assert created.status_code == 201, created.get_json()


def test_every_kind_of_failure_counts(database_url):
    app = limited(database_url, MEETINGS_AUTH_FAILURE_LIMIT="5 per minute")
    client, key, revoked = app.test_client(), make_key(app, "real"), make_key(app, "gone")
    with app.app_context(), db.db.connection_context():
        assert revoke_key("gone")
    attempts = [
        {},  # no key at all
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        bearer(wrong_secret(key)),
        bearer(revoked),
    ]
    for headers in attempts:
        assert_problem(client.delete("/v1/meetings/any", headers=headers), 401)
    assert_problem(client.delete("/v1/meetings/any", headers=bearer(key)), 429)


def test_a_wrong_secret_never_spends_the_keys_write_budget(database_url):
    app = limited(
        database_url,
        MEETINGS_WRITE_RATE_LIMIT="2 per minute",
        MEETINGS_AUTH_FAILURE_LIMIT="100 per minute",
    )
    client, key = app.test_client(), make_key(app, "owner")
    for _ in range(5):  # someone who knows the key id, but not the secret
        assert_problem(client.post("/v1/meetings", json={}, headers=bearer(wrong_secret(key))), 401)
    for number, left in enumerate(["1", "0"]):
        created = client.post(
            "/v1/meetings", json=new_meeting(id=f"owner-{number}"), headers=bearer(key)
        )
        assert created.status_code == 201, created.get_json()
        assert created.headers["RateLimit-Limit"] == "2"
        assert created.headers["RateLimit-Remaining"] == left
    spent = client.post("/v1/meetings", json=new_meeting(id="owner-2"), headers=bearer(key))
    assert "API key" in assert_problem(spent, 429)["detail"]
    assert int(spent.headers["Retry-After"]) > 0
    assert_problem(client.get("/v1/meetings/owner-2"), 404)


def test_successful_writes_spend_no_failure_budget(database_url):
    app = limited(database_url, MEETINGS_AUTH_FAILURE_LIMIT="1 per minute")
    client, key = app.test_client(), make_key(app, "steady")
    for number in range(3):
        created = client.post(
            "/v1/meetings", json=new_meeting(id=f"steady-{number}"), headers=bearer(key)
        )
        assert created.status_code == 201, created.get_json()
    assert_problem(client.post("/v1/meetings", json={}), 401)
    assert_problem(client.post("/v1/meetings", json={}, headers=bearer(key)), 429)


def test_failed_authentications_spend_no_reads(database_url):
    app = limited(
        database_url,
        MEETINGS_READ_RATE_LIMIT="2 per minute",
        MEETINGS_AUTH_FAILURE_LIMIT="1/minute",
    )
    client = app.test_client()
    assert_problem(client.post("/v1/meetings", json={}), 401)
    assert_problem(client.post("/v1/meetings", json={}), 429)
    read = client.get("/v1/topics")
    assert read.status_code == 200
    assert (read.headers["RateLimit-Limit"], read.headers["RateLimit-Remaining"]) == ("2", "1")


def test_the_failure_budget_follows_the_trusted_proxy_address(database_url):
    app = limited(database_url, MEETINGS_AUTH_FAILURE_LIMIT="1/minute", MEETINGS_TRUSTED_PROXIES=1)
    client = app.test_client()
    first, second = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
    assert_problem(client.post("/v1/meetings", json={}, headers=first), 401)
    assert_problem(client.post("/v1/meetings", json={}, headers=first), 429)
    assert_problem(client.post("/v1/meetings", json={}, headers=second), 401)


def test_off_turns_the_failure_limit_off(database_url):
    client = limited(database_url, MEETINGS_AUTH_FAILURE_LIMIT="off").test_client()
    for _ in range(20):
        response = client.post("/v1/meetings", json={}, headers=bearer(made_up_key()))
        assert_problem(response, 401)
        assert "RateLimit-Limit" not in response.headers


def test_the_failure_limit_has_a_default_and_is_checked(tmp_path, monkeypatch):
    monkeypatch.delenv("MEETINGS_AUTH_FAILURE_LIMIT", raising=False)
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    assert create_app({"DATABASE_URL": url}).config["MEETINGS_AUTH_FAILURE_LIMIT"] == (
        "10 per minute"
    )
    for bad in ("many", "0 per minute"):
        with pytest.raises(ConfigError, match="MEETINGS_AUTH_FAILURE_LIMIT"):
            create_app({"DATABASE_URL": url, "MEETINGS_AUTH_FAILURE_LIMIT": bad})
