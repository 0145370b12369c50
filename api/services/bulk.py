"""Bulk import and export: NDJSON, a JSON array or a seed file in; NDJSON, JSON or CSV out."""

import datetime as dt
import gc
import pickle
from collections import Counter
from contextlib import contextmanager
from functools import partial

import orjson
from marshmallow import ValidationError
from peewee import PostgresqlDatabase

from api.common import jsontext
from api.db import db
from api.models import Meeting, PartyPair, Person, Source
from api.services.seeding import SeedError, flatten, parse_seed, with_references
from api.store import forked
from api.store.meetings import Conflict, References, save_meetings
from api.store.rows import table_name
from api.store.shared_records import Policy
from api.store.sqlite_import import (
    WRITTEN,
    foreign_keys_checked_here,
    indexes_built_after,
    large_page_cache,
    party_pairs_written_here,
)
from schemas.fields import PartialDate
from schemas.meeting import MeetingIn

CHECK_CHUNK = 1000  # records checked at a time
# The tables an import writes rows to.
IMPORT_WRITES = (Meeting, *WRITTEN, PartyPair, Person, Source)


class BadImportFile(Exception):
    """A file that cannot be imported; nothing of it was stored."""


@contextmanager
def collector_paused():
    """An import builds millions of objects that all live until it ends, and no cycles: the
    cyclic collector walks them over and over, finds nothing, and takes a quarter of the
    time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Records(list):
    """Validated records, and what they refer to (`store.References`), gathered while they
    were being checked."""

    def __init__(self, records=(), references: References | None = None):
        super().__init__(records)
        self.references = References(self, Policy.IMPORT) if references is None else references


def _seed_records(text: str, name: str) -> list[dict]:
    """A seed file's meetings, with their people and source given whole."""
    try:
        data = parse_seed(text, name)
    except SeedError as exc:
        raise BadImportFile(str(exc)) from None
    people = {p["id"]: p for p in data["people"]}
    return Records(with_references(data["meetings"], people, {s["id"]: s for s in data["sources"]}))


def _entries(data: bytes, name: str) -> tuple[list[tuple[str, object]], bool]:
    """Each record's place and its text (an NDJSON line, as bytes) or value (in a JSON array),
    and whether they are lines still to parse. Lines end at line feeds only: a record's text
    may hold any other line separator, such as U+2028, as it is."""
    if data.lstrip().startswith(b"["):
        try:
            records = _parsed(data)
        except ValueError as exc:
            raise BadImportFile(f"{name}: not valid JSON: {exc}") from None
        return [(f"[{i}]", r) for i, r in enumerate(records)], False
    numbered = enumerate(data.split(b"\n"), 1)
    return [(f"line {number}", line) for number, line in numbered if line.strip()], True


def _text(data: bytes, name: str) -> str:
    """A file's UTF-8 text; an BadImportFile naming the line (and column) where it is not."""
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line, column = data.count(b"\n", 0, start) + 1, len(data[start : exc.start].decode()) + 1
        raise BadImportFile(
            f"{name}: line {line}: not UTF-8: byte {data[exc.start]:#04x} at column {column}"
        ) from None


def _parsed(text: str | bytes):
    """UTF-8 JSON text read as the API reads it (`jsontext.loads`), through orjson where that
    gives the same value: the same values either way, and the standard library's words for
    what is wrong. orjson refuses NaN, integers over 64 bits, lone surrogate escapes and bytes
    that are not UTF-8, and takes a NUL character and the last of repeated keys: a text it
    refuses, or that may hold either (`jsontext.may_repeat_keys`), is read again."""
    text = text.encode() if isinstance(text, str) else text
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return jsontext.loads(text)
    if b"\\u0000" in text or jsontext.may_repeat_keys(text, value):
        return jsontext.loads(text)
    return value


def _checked(entries, name: str, lines: bool) -> tuple[list, str | None]:
    """Each entry's place, its record if valid, and what is wrong with it if not; and the
    message for the first line that is not JSON, if any (the rest then goes unchecked)."""
    schema, checked = MeetingIn(), []
    for where, entry in entries:
        if lines:
            try:
                entry = _parsed(entry)
            except ValueError as exc:
                return checked, f"{name}: {where}: not valid JSON: {exc}"
        try:
            checked.append((where, schema.load(entry), []))
        except ValidationError as exc:
            checked.append((where, None, flatten(exc.messages)))
    return checked, None


# Checked chunks come back from the helper process as orjson's JSON: several times cheaper to
# write and read than pickle. A record's date goes as its parts; anything else orjson does not
# carry as it is (any other object, an integer over 64 bits) sends that chunk by pickle.
_AS_IS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _date_parts(value):
    if isinstance(value, PartialDate):
        return [
            value.text,
            value.precision,
            value.first_day.toordinal(),
            value.last_day.toordinal(),
        ]
    raise TypeError(f"not sent as JSON: {type(value).__name__}")


def _encode_checked(result) -> bytes:
    try:
        return b"j" + orjson.dumps(result, default=_date_parts, option=_AS_IS)
    except TypeError:
        return b"p" + pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def _decode_checked(data: bytes):
    if data[:1] == b"p":
        return pickle.loads(data[1:])
    checked, bad_json = orjson.loads(memoryview(data)[1:])
    day = dt.date.fromordinal
    for _where, record, _problems in checked:
        if record is not None and "date" in record:
            text, precision, first, last = record["date"]
            record["date"] = PartialDate(text, precision, day(first), day(last))
    return checked, bad_json


def load_file(text: str | bytes, name: str, seed: bool = False) -> Records:
    """Validated records from NDJSON, a JSON array or (with `seed`) a seed file's YAML, read
    as UTF-8 where given as bytes.

    What the records refer to is gathered here, as each chunk comes back checked: that work
    then runs while the helper process is still checking the rest."""
    data = text.encode() if isinstance(text, str) else text
    if seed:
        return _seed_records(_text(data, name), name)
    entries, lines = _entries(data, name)
    chunks = [entries[i : i + CHECK_CHUNK] for i in range(0, len(entries), CHECK_CHUNK)]
    records, problems, seen, references = [], [], {}, References(policy=Policy.IMPORT)
    check = partial(_checked, name=name, lines=lines)
    # With many records, a forked child checks some of the chunks.
    codec = (_encode_checked, _decode_checked)
    with collector_paused(), forked.mapped(check, chunks, len(entries), codec) as results:
        for checked, bad_json in results:
            if bad_json:
                raise BadImportFile(bad_json)
            for where, record, messages in checked:
                if messages:
                    problems += [f"{where}: {line}" for line in messages]
                    continue
                if record["id"] in seen:
                    problems.append(f"{where}: id {record['id']!r} is also at {seen[record['id']]}")
                seen[record["id"]] = where
                records.append(record)
                references.add(record)
    if problems:
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BadImportFile("\n".join(f"{name}: {p}" for p in problems[:20]) + more)
    return Records(records, references)


def _statistics_renewed() -> None:
    """PostgreSQL's planner statistics of the tables an import writes, gathered again once it
    has committed. Its plans for lists and searches depend on them, and autovacuum gathers
    them only later: until then, reads right after a large import run on a guess."""
    if isinstance(db.obj, PostgresqlDatabase) and not db.in_transaction():
        tables = ", ".join(f'"{table_name(model)}"' for model in IMPORT_WRITES)
        db.execute_sql(f"ANALYZE {tables}")


def import_records(records: list[dict], name: str, progress=None) -> Counter:
    """All or nothing: every record in one transaction. On PostgreSQL its rows go in by COPY,
    and the tables' statistics are gathered again once it has committed."""
    references = records.references if isinstance(records, Records) else None
    try:
        with collector_paused(), large_page_cache(), foreign_keys_checked_here(), db.atomic():
            with indexes_built_after(len(records)), party_pairs_written_here() as pairs:
                outcome = save_meetings(
                    records,
                    progress=progress,
                    references=references,
                    party_pairs=pairs,
                    copy=True,
                )
    except Conflict as exc:
        raise BadImportFile(f"{name}: meeting {exc.meeting_id!r}: {exc.field}: {exc}") from None
    counts = Counter(outcome.values())
    if counts["created"] or counts["updated"]:
        _statistics_renewed()
    return counts
