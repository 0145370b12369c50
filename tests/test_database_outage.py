"""The database away and back: every request meanwhile is a 503 problem with Retry-After
(never a 500), `/readyz` says not ready, and the same app serves again once it returns, its
connections opened anew."""

import shutil

import pytest
from conftest import assert_problem, new_meeting
from pgcluster import Cluster, server_bindir

from api import create_app, db
from api.http.auth import create_key
from api.http.errors import DATABASE_RETRY_SECONDS
from api.migrations import LATEST, migrate
from api.services.seeding import load_seeds

ITEM = "/v1/meetings/2024-09-06-jp-kr-summit"


def away(client, auth) -> None:
    for path in ("/v1/meetings?limit=2", ITEM, "/v1/changes"):
        problem = assert_problem(client.get(path), 503)
        assert "database is unavailable" in problem["detail"]
        assert client.get(path).headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert_problem(client.post("/v1/meetings", json=new_meeting(), headers=auth), 503)
    assert_problem(client.get("/readyz"), 503)
    assert client.get("/healthz").status_code == 200  # the process itself is alive


def back(client, auth) -> None:
    assert client.get("/readyz").status_code == 200
    assert client.get(ITEM).status_code == 200
    made = client.post("/v1/meetings", json=new_meeting(), headers=auth)
    assert made.status_code == 201, made.get_json()


def test_sqlite_file_gone_and_back(tmp_path):
    path = tmp_path / "meetings.db"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
    with app.app_context(), db.db.connection_context():
        migrate()
        load_seeds()
        auth = {"Authorization": f"Bearer {create_key('outage')}"}
    client = app.test_client()
    assert client.get(ITEM).status_code == 200
    db.db.close()
    # The file moved away: a new connection finds an empty database with none of the tables.
    shutil.move(path, tmp_path / "elsewhere.db")
    away(client, auth)
    db.db.close()
    for leftover in tmp_path.glob("meetings.db*"):
        leftover.unlink()
    shutil.move(tmp_path / "elsewhere.db", path)
    back(client, auth)


@pytest.mark.skipif(server_bindir() is None, reason="PostgreSQL server not installed")
def test_postgresql_stopped_and_started_again():
    cluster = Cluster()  # its own: stopping it disturbs no other test
    try:
        url = cluster.create_database("outage")
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        with app.app_context(), db.db.connection_context():
            migrate()
            load_seeds()
            auth = {"Authorization": f"Bearer {create_key('outage')}"}
        client = app.test_client()
        assert client.get(ITEM).status_code == 200  # the worker's connection is open
        cluster.stop()
        away(client, auth)
        cluster.start()
        back(client, auth)  # the same app: its connection made again
    finally:
        if not db.db.is_closed():
            db.db.close()
        cluster.destroy()


def test_an_instance_of_the_version_before_stays_ready_on_a_newer_schema(database_url):
    # A rolling deploy migrates first: the instances not yet replaced keep their traffic.
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    with app.app_context(), db.db.connection_context():
        db.db.execute_sql(
            'INSERT INTO "schema_migration" ("version", "name", "applied_at") '
            f"VALUES ({LATEST + 1}, 'from_the_future', CURRENT_TIMESTAMP)"
        )
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["schema_version"] == LATEST + 1
