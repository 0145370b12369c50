"""Running it: /readyz follows the database, and several instances share one PostgreSQL."""

import json
import os
import shutil
from pathlib import Path

import pytest
import requests
from conftest import assert_problem, cli_key, new_meeting, serve
from pgcluster import Cluster

from api import create_app, db
from api.migrations import LATEST, migrate


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "schema_version": LATEST,
        "webhooks": {"active": 0, "disabled": 0, "backlog": 0, "subscriptions": []},
    }


def test_readyz_is_503_on_an_old_schema(empty_database_url):
    db.bind(empty_database_url)
    migrate(upto=1)
    client = create_app({"DATABASE_URL": empty_database_url}).test_client()
    body = assert_problem(client.get("/readyz"), 503)
    assert "meetings migrate" in body["detail"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.sqlite_only
def test_readyz_follows_an_sqlite_file_going_away_and_back(database_url, backend, tmp_path):
    client = create_app({"DATABASE_URL": database_url}).test_client()
    path = Path(database_url.removeprefix("sqlite:///"))
    assert client.get("/readyz").status_code == 200
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        if (path.parent / name).exists():
            shutil.move(path.parent / name, aside / name)
    assert_problem(client.get("/readyz"), 503)
    assert client.get("/healthz").status_code == 200
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        (path.parent / name).unlink(missing_ok=True)
        if (aside / name).exists():
            shutil.move(aside / name, path.parent / name)
    assert client.get("/readyz").status_code == 200


def test_readyz_follows_postgresql_going_away_and_back(postgres):
    cluster = Cluster()  # its own, so stopping it disturbs no other test
    try:
        url = cluster.create_database("ready")
        db.bind(url)
        migrate()
        client = create_app({"DATABASE_URL": url}).test_client()
        assert client.get("/readyz").status_code == 200
        cluster.stop()
        body = assert_problem(client.get("/readyz"), 503)
        assert "cannot be reached" in body["detail"]
        assert client.get("/healthz").status_code == 200
        cluster.start()
        assert client.get("/readyz").status_code == 200
    finally:
        cluster.destroy()


@pytest.fixture
def two_instances(postgres, tmp_path):
    url = postgres.create_database("shared")
    env = {**os.environ, "DATABASE_URL": url}
    key = cli_key(env, "shared")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serve(tmp_path / "a", env) as first, serve(tmp_path / "b", env) as second:
        yield first["base"], second["base"], {"Authorization": f"Bearer {key}"}
    postgres.execute('DROP DATABASE IF EXISTS "shared" WITH (FORCE)')


def test_a_write_through_one_instance_reads_back_through_the_other(two_instances):
    first, second, auth = two_instances
    created = requests.post(
        f"{first}/v1/meetings", json=new_meeting(id="shared-1"), headers=auth, timeout=10
    )
    assert created.status_code == 201
    read = requests.get(f"{second}/v1/meetings/shared-1", timeout=10)
    assert read.status_code == 200 and read.headers["ETag"] == created.headers["ETag"]
    assert read.json() == created.json()
    patched = requests.patch(
        f"{second}/v1/meetings/shared-1",
        data=json.dumps({"title": "Changed"}),
        timeout=10,
        headers={
            **auth,
            "If-Match": read.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert patched.status_code == 200
    again = requests.get(f"{first}/v1/meetings/shared-1", timeout=10)
    assert again.headers["ETag"] == patched.headers["ETag"] != created.headers["ETag"]
    stale = requests.patch(
        f"{first}/v1/meetings/shared-1",
        data=json.dumps({"title": "Lost"}),
        timeout=10,
        headers={
            **auth,
            "If-Match": created.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert stale.status_code == 412
    changes = requests.get(f"{first}/v1/changes?limit=1000", timeout=10).json()["data"]
    assert [c["op"] for c in changes if c["id"] == "shared-1"] == ["created", "updated"]
