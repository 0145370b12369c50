"""People and sources, the records meetings show: how a write may give them, and storing them.

Only a record's own writes change it: a seed file's `people` and `source`, and PUT or PATCH at
its own URL. A meeting (written through the API, or imported) may give one whole, and then:
- one stored already must equal it in every field given; fields left out are not compared.
  Otherwise the write is a 409 naming the record's own URL, where it can be changed;
- a new one needs its required fields (a person's `name` and `country`), and one made through
  the API carries no article (`seed_file`, `sha256`, which belong to seeded articles): a 422;
- one id given twice in a write must be given alike: a 422.
Every created or changed record gets its revision and a change in the log (`type` `person` or
`source`).
"""

import enum

from peewee import PostgresqlDatabase, chunked

from api.db import db
from api.models import Person, Source, utcnow
from api.store.rows import CHUNK, insert_rows
from schemas.person import PersonIn
from schemas.source import ARTICLE_FIELDS, SourceIn


class Policy(enum.Enum):
    """Who gives the records, and so what a write may do with them."""

    OWN = "own"  # their own records (seeds, their URLs): created, or changed to what is given
    IMPORT = "import"  # meetings imported: new, or as stored; new sources keep their article
    API = "api"  # meetings written through the API: new, or as stored; no article


KINDS = {Person: "person", Source: "source"}
# The meeting field a person or source is given in, named by the problem.
FIELDS = {Person: "participants", Source: "sources"}
_SCHEMAS = {Person: PersonIn(), Source: SourceIn()}


class Mismatch(ValueError):
    """A record given in a way that the write may not store."""

    def __init__(self, model, meeting_id: str, message: str, status: int = 422):
        super().__init__(message)
        self.meeting_id, self.field, self.status = meeting_id, FIELDS[model], status


def url(model, record_id: str) -> str:
    """The path of a person's or source's own record."""
    return f"/v1/{'people' if model is Person else 'sources'}/{record_id}"


def _label(model, record_id: str) -> str:
    return f"{KINDS[model].capitalize()} {record_id!r} (in {FIELDS[model]})"


class References:
    """What meetings refer to, gathered a record at a time (an import gathers it while the rest
    of its file is still being checked): the people and sources given whole, which the records
    then name by id, and the ids of every person, source and meeting referred to. `policy`
    says who gives them."""

    def __init__(self, meetings=(), policy: Policy = Policy.API):
        self.policy = policy
        # id: each different way it was given, with the meeting that gave it first.
        self.people: dict[str, list[tuple[str, dict]]] = {}
        self.sources: dict[str, list[tuple[str, dict]]] = {}
        self.person_ids: set[str] = set()
        self.source_ids: set[str] = set()
        self.related_ids: set[str] = set()
        for meeting in meetings:
            self.add(meeting)

    def add(self, meeting: dict) -> None:
        for participant in meeting["participants"]:
            person = participant["person"]
            if isinstance(person, dict):
                _given(self.people, person, meeting["id"])
                person = participant["person"] = person["id"]
            self.person_ids.add(person)
        shown = meeting["sources"]
        for i, source in enumerate(shown):
            if isinstance(source, dict):
                _given(self.sources, source, meeting["id"])
                source = shown[i] = source["id"]
            self.source_ids.add(source)
        self.related_ids.update(r["id"] for r in meeting["related"])


def _given(ways: dict, record: dict, meeting_id: str) -> None:
    found = ways.setdefault(record["id"], [])
    if all(record != way for _, way in found):
        found.append((meeting_id, record))


def _merged(model, record_id: str, ways: list[tuple[str, dict]]) -> dict:
    """One record from every way it was given; two that give a field differently are a 422."""
    merged = {}
    for meeting_id, way in ways:
        for name, value in way.items():
            if merged.setdefault(name, value) != value:
                raise Mismatch(
                    model,
                    meeting_id,
                    f"{_label(model, record_id)} is given with two values of {name}.",
                )
    return merged


def _differing(stored: dict, given: dict) -> list[str]:
    return sorted(name for name, value in given.items() if stored[name] != value)


def _check_unchanged(model, stored: dict, ways: list[tuple[str, dict]]) -> None:
    """What a meeting gives of a stored record equals it: else a 409 naming where to change it."""
    for meeting_id, way in ways:
        if differing := _differing(stored, way):
            article = [name for name in differing if name in ARTICLE_FIELDS]
            raise Mismatch(
                model,
                meeting_id,
                f"{_label(model, stored['id'])} differs from the stored {KINDS[model]} in "
                f"{', '.join(differing)}: a meeting shows people and sources as they are "
                "stored, and cannot change them. "
                + (
                    f"Its {' and '.join(article)} belong to its seeded article."
                    if article
                    else f"Change it at {url(model, stored['id'])} (PUT or PATCH)."
                ),
                status=409,
            )


def _new(model, record: dict, meeting_id: str, policy: Policy) -> dict:
    """A new record from what was given, with its defaults; incomplete, a 422."""
    fields = _SCHEMAS[model].fields
    missing = [name for name, field in fields.items() if field.required and name not in record]
    if missing:
        raise Mismatch(
            model,
            meeting_id,
            f"{_label(model, record['id'])} is new and needs {', '.join(missing)}.",
        )
    if policy is Policy.API and any(record.get(name) is not None for name in ARTICLE_FIELDS):
        raise Mismatch(
            model,
            meeting_id,
            f"{_label(model, record['id'])} is new: seed_file and sha256 belong to seeded "
            "articles and cannot be set through the API.",
        )
    filled = {name: field.load_default for name, field in fields.items() if not field.required}
    return {**filled, **record}


def _stored(model, ids, lock: str | None) -> dict[str, dict]:
    """The stored records of these ids, by id; on PostgreSQL locked as `lock` says."""
    found = {}
    for chunk in chunked(sorted(ids), CHUNK):
        query = model.select().where(model.id.in_(chunk)).order_by(model.id)
        if lock and isinstance(db.obj, PostgresqlDatabase):
            query = query.for_update(lock)
        found.update((row["id"], row) for row in query.dicts())
    return found


def _inserted(model, rows: list[dict]) -> set[str]:
    """Inserts new records; returns the ids inserted. On PostgreSQL a concurrent writer may
    have inserted one first: that one is left alone here, and not returned."""
    if not isinstance(db.obj, PostgresqlDatabase):
        insert_rows(model, rows)  # SQLite has one writer at a time
        return {row["id"] for row in rows}
    inserted = set()
    for chunk in chunked(rows, CHUNK):
        query = model.insert_many(chunk).on_conflict_ignore().returning(model.id)
        inserted.update(row.id for row in query.execute())
    return inserted


def settle(model, given: dict, ids: set[str], policy: Policy, changes: list[dict]) -> set[str]:
    """Stores the records `given` (id: each way it was given, with its meeting) as `policy`
    allows, and locks every referred-to record of `ids` until the write commits, so none
    changes meanwhile. Appends the changes to `changes`; returns the ids of stored records
    that changed."""
    own = policy is Policy.OWN
    # NO KEY: rows that merely refer to the record (a new participant, say) need not wait.
    lock = "FOR NO KEY UPDATE" if own else "FOR SHARE"
    stored = _stored(model, ids | set(given), lock)
    now, kind = utcnow(), KINDS[model]
    merged = {record_id: _merged(model, record_id, ways) for record_id, ways in given.items()}
    new = {
        record_id: _new(model, record, given[record_id][0][0], policy)
        for record_id, record in merged.items()
        if record_id not in stored
    }
    made = _inserted(
        model,
        [{**r, "created_at": now, "updated_at": now, "revision": 1} for r in new.values()],
    )
    changes += [
        {"meeting_id": i, "op": "created", "revision": 1, "at": now, "type": kind}
        for i in sorted(made)
    ]
    # Inserted meanwhile by another writer: as if stored before.
    stored.update(_stored(model, set(new) - made, lock))
    changed = set()
    for record_id in sorted(set(merged) - made):
        old = stored[record_id]
        if not own:
            _check_unchanged(model, old, given[record_id])
        elif differing := _differing(old, merged[record_id]):
            values = {name: merged[record_id][name] for name in differing}
            query = model.update(**values, revision=model.revision + 1, updated_at=now)
            query.where(model.id == record_id).execute()
            changes.append(
                {
                    "meeting_id": record_id,
                    "op": "updated",
                    "revision": old["revision"] + 1,
                    "at": now,
                    "type": kind,
                }
            )
            changed.add(record_id)
    return changed
