"""`meetings keys`: create shows a key once, list never shows it, revoke stops it."""

import hashlib

import pytest
from click.testing import CliRunner
from conftest import new_meeting

from api import create_app, db
from api.cli import main
from api.http import auth
from api.models import ApiKey


@pytest.fixture
def cli(empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)

    def invoke(*args):
        return CliRunner().invoke(main, list(args))

    return invoke


def test_create_list_revoke(cli):
    created = cli("keys", "create", "mirror-service")
    assert created.exit_code == 0
    key = created.stdout.strip()
    assert key.startswith("mr_") and len(key) > 40
    with db.db.connection_context():
        stored = [(k.name, k.key_hash) for k in ApiKey.select()]
    assert stored == [("mirror-service", hashlib.sha256(key.encode()).hexdigest())]
    listed = cli("keys", "list")
    assert "mirror-service" in listed.output and "never" in listed.output
    assert key not in listed.output and "active" in listed.output
    assert cli("keys", "create", "mirror-service").exit_code == 1
    assert cli("keys", "revoke", "mirror-service").exit_code == 0
    assert "revoked" in cli("keys", "list").output
    assert cli("keys", "revoke", "mirror-service").exit_code == 1
    assert cli("keys", "revoke", "nobody").exit_code == 1


def test_key_works_for_writes_and_records_last_use(cli):
    key = cli("keys", "create", "writer").stdout.strip()
    client = create_app().test_client()
    response = client.post(
        "/v1/meetings",
        json=new_meeting(sources=[{"id": "s1", "title": "A source"}], participants=[]),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    assert "never" not in cli("keys", "list").output
    cli("keys", "revoke", "writer")
    again = client.post(
        "/v1/meetings",
        json=new_meeting(id="another", sources=["s1"], participants=[]),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert again.status_code == 401
    assert 'error="invalid_token"' in again.headers["WWW-Authenticate"]


def test_secret_with_underscores_still_authenticates(client, app, monkeypatch):
    monkeypatch.setattr(auth.secrets, "token_urlsafe", lambda n: "a_b_c_" + "x" * 40)
    with app.app_context(), db.db.connection_context():
        key = auth.create_key("underscored")
    assert key.count("_") > 2
    response = client.post(
        "/v1/meetings", json=new_meeting(), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201, response.get_json()
