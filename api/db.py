"""The peewee database, bound late to whatever DATABASE_URL names, and its request hooks."""

from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import got_request_exception
from peewee import DatabaseProxy, PeeweeException, PostgresqlDatabase, SqliteDatabase

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


def make_database(url: str):
    """A peewee database for a `sqlite:///path` or `postgresql://...` URL."""
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
        return PostgresqlDatabase(
            unquote(parsed.path.lstrip("/")),
            # A server that does not answer fails the request (a 503) within seconds, rather
            # than holding it; a restarting one refuses at once.
            connect_timeout=CONNECT_TIMEOUT,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port,
        )
    raise ConfigError(f"DATABASE_URL {url!r}: the scheme must be sqlite or postgresql")


def bind(url: str):
    database = make_database(url)
    db.initialize(database)
    return database


def close_after_error() -> None:
    """Drops the worker's connection after a database error: the next use opens a new one."""
    if not db.is_closed():
        try:
            db.close()
        except PeeweeException:
            pass


def init_app(app):
    bind(app.config["DATABASE_URL"])

    # One connection per worker, opened on first use (peewee's autoconnect) and kept: opening
    # one, with its pragmas, would cost more than most requests. A database error closes it,
    # so the next request starts on a fresh one.
    def _close_after_database_error(sender, exception, **extra):
        if isinstance(exception, PeeweeException):
            close_after_error()

    got_request_exception.connect(_close_after_database_error, app, weak=False)
