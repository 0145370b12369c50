"""Settings: defaults, then the environment, then whatever the caller (a test) overrides."""

import os
from pathlib import Path

from platformdirs import user_data_dir


def default_database_url() -> str:
    path = Path(os.environ.get("MEETINGS_DATA_DIR") or user_data_dir("meetings")) / "meetings.db"
    return f"sqlite:///{path}"


def load(overrides: dict | None = None) -> dict:
    config = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_database_url(),
        "API_TITLE": "Meeting Records API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides or {})
    return config
