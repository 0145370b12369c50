"""Fixtures: an app over its own fresh database, seeded; clients; shared assertions.

Every test that asks for a database runs twice: on SQLite (a temporary file of its own) and on
PostgreSQL (a database of its own in a throwaway cluster), unless marked `sqlite_only`.
"""

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from pgcluster import Cluster, server_bindir
from processes import free_port, meetings_command

from api import create_app, db
from api.http.auth import create_key
from api.migrations import migrate
from api.services.seeding import load_seeds

ROOT = Path(__file__).resolve().parent.parent
ARTICLES_DIR = (
    Path(os.environ["MEETINGS_ARTICLES_DIR"]) if os.environ.get("MEETINGS_ARTICLES_DIR") else None
)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


BACKENDS = ("sqlite", "postgresql")


def pytest_collection_modifyitems(config, items):
    """`sqlite_only` tests (the embedded default's own behaviour) skip the PostgreSQL run."""
    for item in list(items):
        callspec = getattr(item, "callspec", None)
        if (
            callspec
            and callspec.params.get("backend") == "postgresql"
            and item.get_closest_marker("sqlite_only")
        ):
            items.remove(item)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the whole run, if the server is installed."""
    if server_bindir() is None:
        if os.environ.get("MEETINGS_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (MEETINGS_REQUIRE_POSTGRES) but not installed")
        pytest.skip("PostgreSQL server not installed: apt-get install postgresql")
    cluster = Cluster()
    yield cluster
    cluster.destroy()


class Databases:
    """Fresh databases of one backend: empty, or seeded (a copy of a template seeded once)."""

    def __init__(self, backend: str, folder: Path, cluster: Cluster | None):
        self.backend, self.folder, self.cluster, self.count = backend, folder, cluster, 0
        template = self._new("template")
        db.bind(template)
        migrate()
        with db.db.connection_context():
            load_seeds()
            if backend == "sqlite":
                db.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.db.close()
        self.template = template

    def _new(self, stem: str, template: str | None = None) -> str:
        self.count += 1
        name = f"{stem}_{self.count}"
        if self.backend == "sqlite":
            path = self.folder / f"{name}.db"
            if template:
                shutil.copy(template.removeprefix("sqlite:///"), path)
            return sqlite_url(path)
        return self.cluster.create_database(name, template and template.rsplit("/", 1)[1])

    def empty(self) -> str:
        return self._new("empty")

    def seeded(self) -> str:
        return self._new("test", self.template)

    def drop(self, url: str) -> None:
        if self.backend == "postgresql":
            if db.db.obj is not None and not db.db.is_closed():
                db.db.close()
            self.cluster.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def databases(backend, tmp_path_factory, request) -> Databases:
    cluster = request.getfixturevalue("postgres") if backend == "postgresql" else None
    return Databases(backend, tmp_path_factory.mktemp(backend), cluster)


@pytest.fixture
def database_url(databases):
    url = databases.seeded()
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases):
    url = databases.empty()
    yield url
    databases.drop(url)


@pytest.fixture
def seeded_template(databases) -> str:
    return databases.template


@pytest.fixture
def app(database_url, tmp_path):
    return create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "MEETINGS_DUMP_DIR": tmp_path / "dumps"}
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def empty_app(empty_database_url):
    app = create_app({"DATABASE_URL": empty_database_url, "TESTING": True})
    migrate()
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


@pytest.fixture
def api_key(app) -> str:
    """A fresh API key in the test database."""
    with app.app_context(), db.db.connection_context():
        return create_key("tests")


@pytest.fixture
def auth(api_key) -> dict:
    return {"Authorization": f"Bearer {api_key}"}


def new_meeting(**overrides) -> dict:
    """A small valid meeting body for writes, linking people and a source by value."""
    body = {
        "title": "Japan–South Korea foreign ministers' phone call",
        "summary": "The two ministers spoke by phone and agreed to keep in close contact.",
        "type": "foreign_ministers",
        "format": "phone",
        "status": "held",
        "date": "2025-01-10",
        "date_precision": "day",
        "date_basis": "reported",
        "parties": ["JP", "KR"],
        "participants": [
            {
                "person": {
                    "id": "test-minister-a",
                    "name": "Aki Tanaka",
                    "given_name": "Aki",
                    "family_name": "Tanaka",
                    "country": "JP",
                },
                "country": "JP",
                "title": "Minister for Foreign Affairs",
            },
            {
                "person": {
                    "id": "test-minister-b",
                    "name": "Min-ho Lee",
                    "given_name": "Min-ho",
                    "family_name": "Lee",
                    "country": "KR",
                },
                "country": "KR",
                "title": "Foreign Minister",
            },
        ],
        "agreed_points": [
            {
                "kind": "agreement",
                "text": "Keep in close contact.",
                "topics": ["japan-south-korea-relations"],
                "quote": "agreed to keep in close contact",
            }
        ],
        "topics": ["japan-south-korea-relations"],
        "sources": [
            {
                "id": "test-source",
                "publisher": "Test Wire",
                "title": "Ministers talk",
                "url": "https://example.org/ministers-talk",
                "published_at": "2025-01-11",
                "seed_file": None,
                "sha256": None,
            }
        ],
    }
    body.update(overrides)
    return body


def cli_key(env: dict, name: str) -> str:
    """A new API key, made by `meetings keys create` as an operator would."""
    made = subprocess.run(
        [*meetings_command(), "keys", "create", name],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return made.stdout.strip()


@contextmanager
def serve(folder: Path, env: dict, workers: int = 2, args: tuple = ()):
    """`meetings serve` on a free loopback port, until the block ends (then SIGTERM)."""
    port = free_port()
    log = (folder / "server.log").open("w+")
    process = subprocess.Popen(
        [
            *meetings_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *args,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            # Up once every worker has started: a worker still starting when the test ends
            # would miss its SIGTERM, and granian would wait for it to stop.
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200 and (
                Path(log.name).read_text().count("Started worker-") >= workers
            ):
                break
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or busy starting
            pass
        time.sleep(0.1)
    if process.poll() is not None or time.monotonic() >= deadline:
        process.kill()
        log.seek(0)
        pytest.fail(f"server did not start:\n{log.read()}")
    try:
        yield {"base": base, "process": process, "log": log}
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()
