"""Settings are checked at start-up: a bad one stops the app with a message that names it."""

import os
import subprocess

import pytest
from conftest import free_port, meetings_command, sqlite_url

from api import create_app
from api.config import SETTINGS
from api.db import ConfigError

BAD = [
    ("MEETINGS_MAX_BODY_BYTES", "-1", "positive whole number"),
    ("MEETINGS_MAX_BODY_BYTES", "0", "positive whole number"),
    ("MEETINGS_MAX_BODY_BYTES", "1MB", "positive whole number"),
    ("MEETINGS_READ_RATE_LIMIT", "lots", "'300 per minute'"),
    ("MEETINGS_WRITE_RATE_LIMIT", "10 per fortnight", "'300 per minute'"),
    ("MEETINGS_WRITE_RATE_LIMIT", "0 per minute", "'300 per minute'"),
    ("MEETINGS_RATELIMIT_STORAGE", "postgres://localhost/limits", "memory"),
    ("MEETINGS_RATELIMIT_STORAGE", "async+memory://", "redis"),
    ("MEETINGS_RATELIMIT_STORAGE", "localhost:6379", "memory"),
    ("MEETINGS_TRUSTED_PROXIES", "-1", "whole number, 0 or more"),
    ("MEETINGS_TRUSTED_PROXIES", "one", "whole number, 0 or more"),
    ("MEETINGS_LOG_LEVEL", "LOUD", "DEBUG, INFO"),
    ("MEETINGS_WEBHOOK_TIMEOUT", "0", "more than 0 and at most 300"),
    ("MEETINGS_WEBHOOK_TIMEOUT", "soon", "more than 0 and at most 300"),
    ("MEETINGS_DB_POOL_SIZE", "0", "positive whole number"),
    ("MEETINGS_DB_POOL_WAIT", "0", "more than 0 and at most 300"),
    ("MEETINGS_DB_POOL_RECYCLE", "ten", "positive whole number"),
    ("MEETINGS_STATEMENT_TIMEOUT", "-1", "from 0 (none) to 3600"),
    ("MEETINGS_STATEMENT_TIMEOUT", "3601", "from 0 (none) to 3600"),
    ("MEETINGS_STATEMENT_TIMEOUT", "nan", "from 0 (none) to 3600"),
]


@pytest.fixture
def url(tmp_path):
    return sqlite_url(tmp_path / "config.db")


@pytest.mark.parametrize(("name", "value", "expected"), BAD)
def test_a_bad_override_stops_create_app(url, name, value, expected):
    with pytest.raises(ConfigError) as caught:
        create_app({"DATABASE_URL": url, name: value})
    assert name in str(caught.value) and expected in str(caught.value)


@pytest.mark.parametrize(("name", "value", "expected"), BAD)
def test_a_bad_environment_variable_stops_create_app(url, monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app({"DATABASE_URL": url})


def test_a_bad_database_url_stops_create_app():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app({"DATABASE_URL": "mysql://localhost/meetings"})


def test_defaults(url, monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    config = create_app({"DATABASE_URL": url}).config
    assert config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert config["MEETINGS_READ_RATE_LIMIT"] == "3000 per minute"
    assert config["MEETINGS_WRITE_RATE_LIMIT"] == "1200 per minute"
    assert config["MEETINGS_RATELIMIT_STORAGE"] == "memory://"
    assert config["MEETINGS_TRUSTED_PROXIES"] == 0
    assert config["MEETINGS_LOG_LEVEL"] == "INFO"


def test_the_environment_sets_and_overrides_win(url, monkeypatch):
    monkeypatch.setenv("MEETINGS_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("MEETINGS_READ_RATE_LIMIT", "OFF")
    monkeypatch.setenv("MEETINGS_LOG_LEVEL", "warning")
    config = create_app({"DATABASE_URL": url, "MEETINGS_MAX_BODY_BYTES": 4096}).config
    assert config["MAX_CONTENT_LENGTH"] == 4096
    assert config["MEETINGS_READ_RATE_LIMIT"] is None
    assert config["MEETINGS_LOG_LEVEL"] == "WARNING"


def test_a_test_app_is_not_rate_limited_unless_asked(url):
    config = create_app({"DATABASE_URL": url, "TESTING": True}).config
    assert config["MEETINGS_READ_RATE_LIMIT"] is None
    assert config["MEETINGS_WRITE_RATE_LIMIT"] is None
    asked = {"DATABASE_URL": url, "TESTING": True, "MEETINGS_READ_RATE_LIMIT": "3/minute"}
    assert create_app(asked).config["MEETINGS_READ_RATE_LIMIT"] == "3/minute"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MEETINGS_MAX_BODY_BYTES", "-5"),
        ("MEETINGS_READ_RATE_LIMIT", "many per minute"),
        ("MEETINGS_RATELIMIT_STORAGE", "nosuch://here"),
        ("DATABASE_URL", "mysql://localhost/meetings"),
    ],
)
def test_serve_with_a_bad_setting_exits_with_the_message_and_no_traceback(tmp_path, name, value):
    env = {**os.environ, "DATABASE_URL": sqlite_url(tmp_path / "serve.db"), name: value}
    command = [*meetings_command(), "serve", "--port", str(free_port()), "--workers", "1"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert name in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "serving" not in done.stderr
