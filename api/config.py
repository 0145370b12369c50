"""Settings: defaults, then the environment, then whatever the caller (a test) overrides.

Every setting is checked here, before anything starts: a value that cannot work stops start-up
with a message naming the setting and what it expects.
"""

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from limits import parse_many
from limits.errors import ConfigurationError
from limits.storage import SCHEMES, storage_from_string
from platformdirs import user_data_dir

from api.db import ConfigError

# A host name or an IP literal, with an optional port: nothing that could end a URL or a header.
HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
)


def default_database_url() -> str:
    path = Path(os.environ.get("MEETINGS_DATA_DIR") or user_data_dir("meetings")) / "meetings.db"
    return f"sqlite:///{path}"


def _whole_number(name: str, value, *, least: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < least:
        kind = "a positive whole number" if least > 0 else "a whole number, 0 or more"
        raise ConfigError(f"{name}={value!r}: expected {kind}")
    return number


def _rate_limit(name: str, value) -> str | None:
    """A limits rate string ("300 per minute", "10/second; 1000/day"), or None for `off`."""
    text = str(value).strip()
    if text.lower() == "off":
        return None
    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise ConfigError(
            f"{name}={value!r}: expected a rate such as '300 per minute' or "
            "'10/second; 1000/day', or 'off'"
        )
    return text


def _storage(name: str, value) -> str:
    uri = str(value).strip()
    scheme = uri.partition("://")[0]
    # The limits are counted synchronously: the async+ storages of `limits` do not fit.
    schemes = sorted(s for s in SCHEMES if not s.startswith("async+"))
    if "://" not in uri or scheme not in schemes:
        raise ConfigError(f"{name}={value!r}: expected a URI with one of {', '.join(schemes)}")
    try:
        # Builds the client without connecting: a missing driver (redis, ...) shows up here.
        storage_from_string(uri)
    except ConfigurationError as exc:
        raise ConfigError(f"{name}={value!r}: {exc}") from None
    return uri


def _public_url(name: str, value) -> str | None:
    """An absolute http(s) URL that links start with, such as `https://api.example.org` or
    `https://example.org/meetings`; its path is where a proxy mounts the API."""
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        not port_ok
        or parts.scheme not in ("http", "https")
        or not HOST.fullmatch(parts.netloc)
        or not re.fullmatch(r"(/[A-Za-z0-9._~-]+)*/?", parts.path)
        or parts.query
        or parts.fragment
        or "?" in text
        or "#" in text
    ):
        raise ConfigError(
            f"{name}={value!r}: expected an http or https URL with a host and at most a path, "
            "such as 'https://api.example.org'"
        )
    return text.rstrip("/")


def _switch(name: str, value) -> bool:
    text = str(value).strip().lower()
    if text not in ("on", "off"):
        raise ConfigError(f"{name}={value!r}: expected on or off")
    return text == "on"


def _networks(name: str, value) -> tuple:
    """Comma-separated networks (`10.0.0.0/8, fd00::/8`), or none."""
    try:
        return tuple(
            ipaddress.ip_network(part.strip())
            for part in str(value or "").split(",")
            if part.strip()
        )
    except ValueError as exc:
        raise ConfigError(
            f"{name}={value!r}: expected networks such as '10.1.0.0/16' ({exc})"
        ) from None


def _fernet_key(name: str, value) -> str | None:
    if not value:
        return None
    try:
        Fernet(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"{name}: expected a key as `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'` prints one"
        ) from None
    return str(value).strip()


def _seconds(name: str, value, *, most: float = 300, none: bool = False) -> float:
    """Seconds, as a decimal, more than 0 and at most `most`; with `none`, 0 too (no limit)."""
    try:
        number = float(str(value).strip())
    except ValueError:
        number = -1
    if not (0 <= number if none else 0 < number) or not number <= most:
        least = "from 0 (none) to" if none else "more than 0 and at most"
        raise ConfigError(f"{name}={value!r}: expected seconds, {least} {most:g}")
    return number


def _log_level(name: str, value) -> str:
    level = str(value).strip().upper()
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if level not in levels:
        raise ConfigError(f"{name}={value!r}: expected one of {', '.join(levels)}")
    return level


# name: (default, check), each check turning the raw text into the value the app uses.
SETTINGS = {
    "MEETINGS_MAX_BODY_BYTES": (1024 * 1024, lambda n, v: _whole_number(n, v, least=1)),
    "MEETINGS_READ_RATE_LIMIT": ("3000 per minute", _rate_limit),
    "MEETINGS_WRITE_RATE_LIMIT": ("1200 per minute", _rate_limit),
    "MEETINGS_AUTH_FAILURE_LIMIT": ("10 per minute", _rate_limit),
    "MEETINGS_RATELIMIT_STORAGE": ("memory://", _storage),
    "MEETINGS_TRUSTED_PROXIES": (0, lambda n, v: _whole_number(n, v, least=0)),
    "MEETINGS_PUBLIC_URL": (None, _public_url),
    "MEETINGS_LOG_LEVEL": ("INFO", _log_level),
    # Where `/v1/dumps/latest` keeps the package of the current data (a folder a database).
    "MEETINGS_DUMP_DIR": (None, lambda n, v: None if v is None else str(Path(v).expanduser())),
    # Webhooks: the key their secrets are sealed with, where they may be sent, how long a
    # receiver has to answer, and how long a worker holds a subscription (longer than that).
    "MEETINGS_WEBHOOK_KEY": (None, _fernet_key),
    "MEETINGS_WEBHOOK_ALLOW_LOOPBACK": ("off", _switch),
    "MEETINGS_WEBHOOK_ALLOWED_NETWORKS": ("", _networks),
    "MEETINGS_WEBHOOK_TIMEOUT": (10, _seconds),
    "MEETINGS_WEBHOOK_LEASE": (60, _seconds),
    # PostgreSQL, as each serving worker uses it (`api.db.Serving`): its pool of connections,
    # how long a request waits for one, when one is replaced, and how long a statement may run.
    "MEETINGS_DB_POOL_SIZE": (10, lambda n, v: _whole_number(n, v, least=1)),
    "MEETINGS_DB_POOL_WAIT": (5, _seconds),
    "MEETINGS_DB_POOL_RECYCLE": (600, lambda n, v: _whole_number(n, v, least=1)),
    "MEETINGS_STATEMENT_TIMEOUT": (10, lambda n, v: _seconds(n, v, most=3600, none=True)),
}


# A test app (TESTING) counts nothing unless its test sets a limit: one test can make more
# requests than a client is allowed.
TEST_DEFAULTS = {
    "MEETINGS_READ_RATE_LIMIT": "off",
    "MEETINGS_WRITE_RATE_LIMIT": "off",
    "MEETINGS_AUTH_FAILURE_LIMIT": "off",
}


def load(overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    if overrides.get("TESTING"):
        overrides = {**TEST_DEFAULTS, **overrides}
    config = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_database_url(),
        "API_TITLE": "Meeting Records API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # The server is wherever the description was fetched from: its links are relative.
        "API_SPEC_OPTIONS": {"servers": [{"url": "/", "description": "the server serving it"}]},
        "JSON_SORT_KEYS": False,
    }
    for name, (default, check) in SETTINGS.items():
        raw = overrides.get(name, os.environ.get(name) or default)
        config[name] = check(name, raw)
    config.update({k: v for k, v in overrides.items() if k not in SETTINGS})
    config["MAX_CONTENT_LENGTH"] = config["MEETINGS_MAX_BODY_BYTES"]
    return config
