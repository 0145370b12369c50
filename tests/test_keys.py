"""`meetings keys`: create shows a key once, list never shows it, revoke stops it."""

import hashlib
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import new_meeting, sqlite_url

from api import auth, create_app, db
from api.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    path = tmp_path / "keys.db"
    monkeypatch.setenv("DATABASE_URL", sqlite_url(path))

    def invoke(*args):
        return CliRunner().invoke(main, list(args))

    invoke.path = path
    return invoke


def test_create_list_revoke(cli):
    created = cli("keys", "create", "mirror-service")
    assert created.exit_code == 0
    key = created.stdout.strip()
    assert key.startswith("mr_") and len(key) > 40
    with sqlite3.connect(cli.path) as connection:
        stored = connection.execute("SELECT key_hash FROM api_key").fetchall()
    assert stored == [(hashlib.sha256(key.encode()).hexdigest(),)]
    assert key not in cli.path.read_bytes().decode("latin-1")
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
