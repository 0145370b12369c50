"""Bulk import and export: NDJSON, a JSON array or a seed file in; NDJSON, JSON or CSV out."""

import json
from collections import Counter

from marshmallow import ValidationError

from schemas.meeting import MeetingIn

from .db import db
from .formats import batches, csv_lines
from .models import Meeting
from .records import portable_documents, stored_documents
from .seeding import SeedError, flatten, parse_seed, with_references
from .store import Conflict, save_meetings

BY_ID = [(Meeting.id, False)]


class ImportError_(Exception):
    """A file that cannot be imported; nothing of it was stored."""


def _seed_records(text: str, name: str) -> list[dict]:
    """A seed file's meetings, with their people and source given whole."""
    try:
        data = parse_seed(text, name)
    except SeedError as exc:
        raise ImportError_(str(exc)) from None
    people = {p["id"]: p for p in data["people"]}
    return with_references(data["meetings"], people, {data["source"]["id"]: data["source"]})


def _raw_records(text: str, name: str) -> list[tuple[str, object]]:
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except ValueError as exc:
            raise ImportError_(f"{name}: not valid JSON: {exc}") from None
        return [(f"[{i}]", r) for i, r in enumerate(records)]
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                pairs.append((f"line {number}", json.loads(line)))
            except ValueError as exc:
                raise ImportError_(f"{name}: line {number}: not valid JSON: {exc}") from None
    return pairs


def load_file(text: str, name: str, seed: bool = False) -> list[dict]:
    """Validated records from NDJSON, a JSON array or (with `seed`) a seed file's YAML."""
    if seed:
        return _seed_records(text, name)
    records, problems, seen = [], [], {}
    schema = MeetingIn()
    for where, raw in _raw_records(text, name):
        try:
            record = schema.load(raw)
        except ValidationError as exc:
            problems += [f"{where}: {line}" for line in flatten(exc.messages)]
            continue
        if record["id"] in seen:
            problems.append(f"{where}: id {record['id']!r} is also at {seen[record['id']]}")
        seen[record["id"]] = where
        records.append(record)
    if problems:
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ImportError_("\n".join(f"{name}: {p}" for p in problems[:20]) + more)
    return records


def import_records(records: list[dict], name: str, progress=None) -> Counter:
    """All or nothing: every record in one transaction."""
    try:
        with db.atomic():
            outcome = save_meetings(records, progress=progress)
    except Conflict as exc:
        raise ImportError_(f"{name}: meeting {exc.meeting_id!r}: {exc.field}: {exc}") from None
    return Counter(outcome.values())


def export_lines(fmt: str):
    """Every meeting, by id, as text chunks to write out."""
    query = Meeting.select()
    if fmt == "csv":
        yield from csv_lines(batches(query, stored_documents, BY_ID))
        return
    documents = batches(query, portable_documents, BY_ID)
    if fmt == "ndjson":
        for document in documents:
            yield json.dumps(document, ensure_ascii=False) + "\n"
        return
    yield "["
    for i, document in enumerate(documents):
        yield ("," if i else "") + "\n" + json.dumps(document, ensure_ascii=False)
    yield "\n]\n"
