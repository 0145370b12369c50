"""PostgreSQL as a serving worker uses it: a pool of connections sized by settings, given back
after each request, and a statement timeout, so that one slow query or a busy pool is a 503
problem, never a hung worker or a 500."""

import os
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests
from conftest import assert_problem, serve

from api import create_app, db
from api.migrations import migrate
from api.services.seeding import load_seeds

ITEM = "/v1/meetings/2024-09-06-jp-kr-summit"


@pytest.fixture(scope="module")
def seeded_url(postgres):
    url = postgres.create_database("connections")
    db.bind(url)
    migrate()
    with db.db.connection_context():
        load_seeds()
    yield url
    postgres.execute('DROP DATABASE IF EXISTS "connections" WITH (FORCE)')


def connections_to(postgres, name: str) -> int:
    """Connections the server has open to this database, other than the one asking."""
    check = psycopg2.connect(host="127.0.0.1", port=postgres.port, user=postgres.user, dbname=name)
    try:
        with check.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            return cursor.fetchone()[0]
    finally:
        check.close()


def test_a_statement_past_the_timeout_is_a_503_and_the_worker_serves_on(postgres, seeded_url):
    app = create_app({"DATABASE_URL": seeded_url, "MEETINGS_STATEMENT_TIMEOUT": "0.5"})
    client = app.test_client()
    assert client.get(ITEM).status_code == 200
    # Another session holds the meeting table, so any read of it waits: past the timeout.
    holder = psycopg2.connect(seeded_url)
    try:
        with holder.cursor() as cursor:
            cursor.execute('LOCK TABLE "meeting" IN ACCESS EXCLUSIVE MODE')
        for path in (ITEM, "/v1/meetings?country=JP&limit=5"):
            problem = assert_problem(client.get(path), 503)
            assert "longer than the 0.5 s a query may run" in problem["detail"]
            assert client.get(path).headers["Retry-After"]
    finally:
        holder.rollback()
        holder.close()
    assert client.get(ITEM).status_code == 200
    assert client.get("/v1/meetings?country=JP&limit=5").status_code == 200


def test_without_a_timeout_set_nothing_is_cancelled_by_the_server(seeded_url):
    app = create_app({"DATABASE_URL": seeded_url, "MEETINGS_STATEMENT_TIMEOUT": "0"})
    with app.app_context():
        db.db.connect(reuse_if_open=True)
        (setting,) = db.db.execute_sql("SHOW statement_timeout").fetchone()
        db.db.close()
    assert setting == "0"
    app = create_app({"DATABASE_URL": seeded_url, "MEETINGS_STATEMENT_TIMEOUT": "2.5"})
    with app.app_context():
        (setting,) = db.db.execute_sql("SHOW statement_timeout").fetchone()
        db.db.close()
    assert setting == "2500ms"


def read(client, n: int) -> int:
    return client.get(ITEM if n % 2 else "/v1/meetings?limit=3").status_code


def test_a_thread_keeps_its_connection_for_a_while_then_gives_it_back(seeded_url, monkeypatch):
    app = create_app({"DATABASE_URL": seeded_url})
    client = app.test_client()
    monkeypatch.setattr(db, "HOLD_SECONDS", 3600)
    for _ in range(3):
        assert client.get(ITEM).status_code == 200
        assert not db.db.is_closed()  # kept for this thread's next request
    monkeypatch.setattr(db, "HOLD_SECONDS", 0)
    assert client.get(ITEM).status_code == 200
    assert db.db.is_closed()  # held long enough: given back to the pool


def test_the_pool_holds_no_more_connections_than_its_size(postgres, seeded_url, monkeypatch):
    # Given back after every request, eight threads share a pool of two.
    monkeypatch.setattr(db, "HOLD_SECONDS", 0)
    app = create_app({"DATABASE_URL": seeded_url, "MEETINGS_DB_POOL_SIZE": "2"})
    client = app.test_client()
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda n: read(client, n), range(80))) == {200}
    assert connections_to(postgres, "connections") <= 2


def test_a_request_finding_every_connection_busy_is_a_503_and_the_next_is_served(seeded_url):
    app = create_app(
        {"DATABASE_URL": seeded_url, "MEETINGS_DB_POOL_SIZE": "1", "MEETINGS_DB_POOL_WAIT": "0.3"}
    )
    client = app.test_client()
    with ThreadPoolExecutor(1) as other_thread:
        with app.app_context():
            db.db.connect()  # this thread holds the pool's only connection
            busy = other_thread.submit(client.get, ITEM).result()
            problem = assert_problem(busy, 503)
            assert "connection of this worker is busy" in problem["detail"]
            db.db.close()  # given back
        assert other_thread.submit(client.get, ITEM).result().status_code == 200


@pytest.mark.e2e
def test_the_real_server_cancels_a_held_query_and_serves_on(seeded_url, tmp_path):
    """`meetings serve` (granian, two workers): a read held past the timeout is a 503 problem
    within seconds, every thread of every worker serves on, and none is left waiting."""
    env = {**os.environ, "DATABASE_URL": seeded_url, "MEETINGS_STATEMENT_TIMEOUT": "0.5"}
    with serve(tmp_path, env) as server:
        base = server["base"]
        assert requests.get(base + ITEM, timeout=10).status_code == 200
        holder = psycopg2.connect(seeded_url)
        try:
            with holder.cursor() as cursor:
                cursor.execute('LOCK TABLE "meeting" IN ACCESS EXCLUSIVE MODE')
            # More requests at once than the server has threads: each is cancelled, none hangs.
            with ThreadPoolExecutor(12) as pool:
                answers = list(pool.map(lambda _: requests.get(base + ITEM, timeout=30), range(24)))
            for answer in answers:
                assert answer.status_code == 503, answer.text
                assert answer.headers["Content-Type"] == "application/problem+json"
                assert "longer than the 0.5 s a query may run" in answer.json()["detail"]
        finally:
            holder.rollback()
            holder.close()
        with ThreadPoolExecutor(12) as pool:
            served = list(pool.map(lambda _: requests.get(base + ITEM, timeout=30), range(24)))
        assert {answer.status_code for answer in served} == {200}
