"""What every model shares: the base model bound to the late-bound database, JSON text
columns, and the clock."""

import datetime as dt
import json

import orjson
from peewee import (
    Model,
    TextField,
)

from api.db import db

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def compact_json_bytes(value) -> bytes:
    """Compact JSON, as UTF-8. orjson writes the same text as the standard library, several
    times faster; what it refuses (an integer over 64 bits) goes to the standard library."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _compact(value).encode()


def compact_json(value) -> str:
    """`compact_json_bytes` as text."""
    return compact_json_bytes(value).decode()


class JSONList(TextField):
    """A short list (of strings, or of evidence objects) kept as JSON text, read whole with
    its row."""

    def db_value(self, value):
        return compact_json(list(value or []))

    def python_value(self, value):
        return json.loads(value) if value else []


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
