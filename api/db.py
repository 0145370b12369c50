"""The peewee database, bound late to whatever DATABASE_URL names, and its request hooks."""

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import got_request_exception
from peewee import DatabaseProxy, PeeweeException, PostgresqlDatabase, SqliteDatabase
from playhouse.pool import PooledPostgresqlDatabase

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    # A new database's pages: 16 KiB, not SQLite's 4 KiB, since a meeting's row (its document,
    # its search text) is over 1.5 KiB. Set before anything else makes the file; an existing
    # database keeps the size it has.
    "page_size": 16_384,
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -32_000,
}


# Seconds to wait for PostgreSQL to accept a connection.
CONNECT_TIMEOUT = 5


class ConfigError(ValueError):
    """A setting that cannot work; start-up stops with its message."""


@dataclass(frozen=True)
class Serving:
    """How a serving worker uses PostgreSQL (`MEETINGS_DB_*` settings): a pool of at most
    `pool_size` connections, lent to a thread for HOLD_SECONDS of its requests; a request
    waits up to `pool_wait` seconds for one; one older than `pool_recycle` seconds is closed
    and replaced; and a statement running longer than `statement_timeout` seconds is cancelled
    (0: never). Commands (imports, migrations, delivery workers) open plain connections, with
    no timeout."""

    pool_size: int = 10
    pool_wait: float = 5
    pool_recycle: int = 600
    statement_timeout: float = 10


def make_database(url: str, serving: Serving | None = None):
    """A peewee database for a `sqlite:///path` or `postgresql://...` URL; on PostgreSQL,
    pooled and with a statement timeout where `serving` says so."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc or not path or path == "/":
            raise ConfigError(
                f"DATABASE_URL {url!r}: expected sqlite:///relative or sqlite:////abs"
            )
        # sqlite:///x.db is relative, sqlite:////srv/x.db absolute (as in SQLAlchemy).
        path = path[1:]
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Writers take the lock when their transaction begins (BEGIN IMMEDIATE), so they queue
        # on the busy timeout instead of failing to upgrade a read lock ("database is locked").
        return SqliteDatabase(
            str(Path(path).expanduser()), pragmas=SQLITE_PRAGMAS, timeout=10, lock_type="IMMEDIATE"
        )
    if parsed.scheme in ("postgres", "postgresql"):
        if not parsed.path.strip("/"):
            raise ConfigError(f"DATABASE_URL {url!r}: no database name")
        database = unquote(parsed.path.lstrip("/"))
        connection = dict(
            # A server that does not answer fails the request (a 503) within seconds, rather
            # than holding it; a restarting one refuses at once.
            connect_timeout=CONNECT_TIMEOUT,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port,
        )
        if serving is None:
            return PostgresqlDatabase(database, **connection)
        if serving.statement_timeout:
            # Set as the connection opens (libpq's `options`): no round trip per request.
            milliseconds = round(serving.statement_timeout * 1000)
            connection["options"] = f"-c statement_timeout={milliseconds}"
        return PooledPostgresqlDatabase(
            database,
            max_connections=serving.pool_size,
            stale_timeout=serving.pool_recycle,
            timeout=serving.pool_wait,
            **connection,
        )
    raise ConfigError(f"DATABASE_URL {url!r}: the scheme must be sqlite or postgresql")


def bind(url: str, serving: Serving | None = None):
    database = make_database(url, serving)
    db.initialize(database)
    return database


def close_after_error() -> None:
    """Drops the thread's connection after a database error (closed, not given back to a
    pool): the next use opens a new one."""
    if not db.is_closed():
        try:
            if isinstance(db.obj, PooledPostgresqlDatabase):
                db.obj.manual_close()
            else:
                db.close()
        except PeeweeException:
            pass


def serving_settings(config) -> Serving:
    return Serving(
        pool_size=config["MEETINGS_DB_POOL_SIZE"],
        pool_wait=config["MEETINGS_DB_POOL_WAIT"],
        pool_recycle=config["MEETINGS_DB_POOL_RECYCLE"],
        statement_timeout=config["MEETINGS_STATEMENT_TIMEOUT"],
    )


def init_app(app):
    database = bind(app.config["DATABASE_URL"], serving_settings(app.config))

    # A database error closes the thread's connection, so the next request starts on a fresh
    # one.
    def _close_after_database_error(sender, exception, **extra):
        if isinstance(exception, PeeweeException):
            close_after_error()

    got_request_exception.connect(_close_after_database_error, app, weak=False)
    if isinstance(database, PooledPostgresqlDatabase):
        app.before_request(_note_when_taken)
        app.teardown_appcontext(_give_back_after_a_while)


# How long a thread keeps the pooled connection it took before it gives it back (at the end of
# a request). Taking one from peewee's pool checks it with a round trip (`SELECT 1`), which
# costs an item read on PostgreSQL a third of its throughput: held a second, that check is
# paid once per second of a busy thread's requests, and a quiet worker's threads give theirs
# back after each request.
HOLD_SECONDS = 1.0
_held = threading.local()


def _note_when_taken() -> None:
    """A request that starts with no connection takes one (if it reads): from now."""
    if db.is_closed():
        _held.since = time.monotonic()


def _give_back_after_a_while(exception) -> None:
    """On PostgreSQL a request takes a connection from its worker's pool when it first needs
    one (peewee's autoconnect). Its thread gives it back at the end of a request (a stream's
    end, for a feed) once it has held it HOLD_SECONDS: then the pool replaces a connection
    older than MEETINGS_DB_POOL_RECYCLE, and threads beyond the pool's size get a turn."""
    if db.is_closed() or db.in_transaction():
        return
    since = getattr(_held, "since", None)
    if since is None:  # taken outside a request (a CLI command, a test): from now
        _held.since = since = time.monotonic()
    if time.monotonic() - since >= HOLD_SECONDS:
        db.close()
