"""Fixtures: an app over its own temporary SQLite file, seeded; clients; shared assertions."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from api import create_app, db
from api.models import create_tables
from api.seeding import load_seeds

ROOT = Path(__file__).resolve().parent.parent
ARTICLES_DIR = (
    Path(os.environ["MEETINGS_ARTICLES_DIR"]) if os.environ.get("MEETINGS_ARTICLES_DIR") else None
)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A database file with the tables and every seed, built once and copied per test."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    db.bind(sqlite_url(path))
    create_tables()
    with db.db.connection_context():
        load_seeds()
        db.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.db.close()
    return path


@pytest.fixture
def database_path(tmp_path, seeded_template) -> Path:
    path = tmp_path / "meetings.db"
    shutil.copy(seeded_template, path)
    return path


@pytest.fixture
def app(database_path):
    return create_app({"DATABASE_URL": sqlite_url(database_path), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def empty_app(tmp_path):
    app = create_app({"DATABASE_URL": sqlite_url(tmp_path / "empty.db"), "TESTING": True})
    create_tables()
    return app


def assert_problem(response, status: int, *fields: str) -> dict:
    """An RFC 9457 problem of this status, naming each of these fields in `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"].startswith("/")
    for name in fields:
        assert name in body["errors"], body
        assert name in body["detail"], body
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@contextmanager
def count_queries():
    """Count the SQL statements the database runs inside the block."""
    statements = []
    database = db.db.obj
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield statements
    finally:
        del database.execute_sql
