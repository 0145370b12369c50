"""Writing validated records: one place that turns schema output into rows.

Saving is idempotent: a record whose content is unchanged is left alone, so loading the same
data twice changes nothing; a changed one is replaced and its revision bumped.
"""

import hashlib
import json
import re
from collections import defaultdict
from operator import itemgetter

import orjson
from peewee import PostgresqlDatabase, chunked

from schemas.meeting import starts_at

from . import changelog, documents, forked, links, renames
from .db import db
from .models import (
    AgreedPoint,
    Alias,
    Discussed,
    Meeting,
    MeetingSource,
    MeetingTopic,
    Participant,
    Party,
    PartyPair,
    Person,
    Relation,
    Source,
    Tombstone,
    utcnow,
)
from .portable import portable_documents
from .rows import CHUNK, converter, flat_values, insert_rows, insert_values, select_in
from .shared_records import Mismatch, Policy, References, settle


class Conflict(ValueError):
    """Records that cannot be stored together: a dangling reference, say."""

    def __init__(self, meeting_id: str, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.status = status
        self.meeting_id = meeting_id
        self.field = field


def _topics(meeting: dict) -> list[str]:
    points = meeting["agreed_points"] + meeting["discussed"]
    return sorted(set(meeting["topics"]) | {t for p in points for t in p["topics"]})


def _digest(data: dict, topics: list[str] | None = None) -> str:
    """SHA-256 of the record as given, as JSON with its keys sorted. The same record given with
    or without its points' topics repeated is the same record, and so is one given with no
    evidence or an empty list of it (as a GET shows it). (`topics` are its `_topics`, where
    the caller has them.)"""
    digested = {**data, "topics": _topics(data) if topics is None else topics}
    if not digested.get("evidence", True):
        del digested["evidence"]
    try:
        text = orjson.dumps(digested, option=orjson.OPT_SORT_KEYS, default=str)
    except orjson.JSONEncodeError:  # what orjson refuses (an integer over 64 bits) is hashed
        return _first_digest(data)  # as before
    return hashlib.sha256(text).hexdigest()


_FIRST_DIGESTED = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def _first_digest(data: dict) -> str:
    """The digest as stored before `_digest` (the standard library's JSON, with spaces): a
    record stored then keeps it until it changes, and loading it again changes nothing."""
    text = _FIRST_DIGESTED.encode({**data, "topics": _topics(data)})
    return hashlib.sha256(text.encode()).hexdigest()


def _unchanged(data: dict, stored: str, digest: str) -> bool:
    return stored == digest or stored == _first_digest(data)


def save_shown(
    model, given: dict, ids: set[str], policy: Policy, batch: set[str], changes: list[dict]
) -> set[str]:
    """Stores the people or sources `given` (by id: each way it was given, with its meeting) as
    `policy` allows, the others of `ids` locked meanwhile (`shared_records.settle`); returns
    the ids of those changed. Meetings that show a changed record get a new revision, except
    those of the batch being saved, which the caller stores (and bumps) once.
    """
    try:
        changed = settle(model, given, ids, policy, changes)
    except Mismatch as exc:
        raise Conflict(exc.meeting_id, exc.field, str(exc), exc.status) from None
    if changed:
        shown_by = Participant.person if model is Person else MeetingSource.source
        showing = {m for (m,) in select_in(shown_by, changed, shown_by.model.meeting)}
        _touch(showing - batch, changes, refresh_search=model is Person)
    return changed


def _touch(meeting_ids, changes: list[dict], refresh_search: bool = False) -> None:
    """Bump meetings whose representation changed through a record they show; their changes
    join `changes`, for the change log."""
    now = utcnow()
    ids = [mid for (mid,) in select_in(Meeting.id, meeting_ids, Meeting.id)]
    if not ids:
        return
    for chunk in chunked(ids, CHUNK):
        Meeting.update(revision=Meeting.revision + 1, updated_at=now).where(
            Meeting.id.in_(chunk)
        ).execute()
    changes += [
        {"meeting_id": mid, "op": "updated", "revision": revision, "at": now}
        for mid, revision in select_in(Meeting.id, ids, Meeting.id, Meeting.revision)
    ]
    if refresh_search:
        for meeting_id, text in _stored_search_texts(ids).items():
            Meeting.update(search_text=text).where(Meeting.id == meeting_id).execute()
    documents.refresh(ids)


def _stored_search_texts(ids: list[str]) -> dict[str, str]:
    """Search text rebuilt from what is stored, for meetings whose participants were renamed."""
    meetings = list(Meeting.select().where(Meeting.id.in_(ids)))
    texts = {}
    for document in portable_documents(meetings):
        names = {p["person"]["id"]: p["person"]["name"] for p in document["participants"]}
        document["participants"] = [
            {**p, "person": p["person"]["id"]} for p in document["participants"]
        ]
        texts[document["id"]] = _search_text(document, names)
    return texts


def _save_references(references: References, batch: set[str], changes: list[dict]) -> set[str]:
    """People and sources given whole are stored first, as `references.policy` allows; the
    meetings refer to their ids. Returns the ids of the people and sources that changed.
    """
    people = save_shown(
        Person, references.people, references.person_ids, references.policy, batch, changes
    )
    sources = save_shown(
        Source, references.sources, references.source_ids, references.policy, batch, changes
    )
    return people | sources


def delete_meeting(meeting_id: str, revision: int) -> None:
    """Remove a meeting, leave its tombstone, and bump the meetings that showed a link to it."""
    linked = [
        r.other_id for r in Relation.select(Relation.other).where(Relation.meeting == meeting_id)
    ]
    linked += [
        r.meeting_id for r in Relation.select(Relation.meeting).where(Relation.other == meeting_id)
    ]
    now = utcnow()
    for model in CHILDREN:
        model.delete().where(model.meeting == meeting_id).execute()
    Relation.delete().where(
        (Relation.meeting == meeting_id) | (Relation.other == meeting_id)
    ).execute()
    Meeting.delete().where(Meeting.id == meeting_id).execute()
    Tombstone.insert(id=meeting_id, revision=revision + 1, deleted_at=now).execute()
    changes = [{"meeting_id": meeting_id, "op": "deleted", "revision": revision + 1, "at": now}]
    if linked:
        _touch(linked, changes)
    changelog.append(changes)


def _check_references(meetings: list[dict], references: References, batch: set[str]) -> None:
    """Every person, source and related meeting referred to exists."""
    wanted = {
        "person": references.person_ids,
        "source": references.source_ids,
        "related": references.related_ids - batch,
    }
    found = {
        key: {found for (found,) in select_in(model.id, wanted[key], model.id)}
        for key, model in (("person", Person), ("source", Source), ("related", Meeting))
    }
    if all(wanted[key] <= found[key] for key in wanted):
        return
    # Something is missing: name the first meeting that refers to it.
    for meeting in meetings:
        for key, field, values in (
            ("person", "participants", [p["person"] for p in meeting["participants"]]),
            ("source", "sources", meeting["sources"]),
            ("related", "related", [r["id"] for r in meeting["related"] if r["id"] not in batch]),
        ):
            missing = sorted(set(values) - found[key])
            if missing:
                raise Conflict(
                    meeting["id"],
                    field,
                    f"meeting {meeting['id']!r} refers to unknown {key} id(s): "
                    + ", ".join(missing),
                )


def _search_text(meeting: dict, names: dict[str, str]) -> str:
    parts = [meeting["title"], meeting["summary"], meeting.get("occasion") or ""]
    for point in meeting["agreed_points"] + meeting["discussed"]:
        parts += [point["text"], point.get("quote") or ""]
    parts += [names.get(p["person"], "") for p in meeting["participants"]]
    # Words only, so FTS5 and PostgreSQL's parser split the text the same way ("Japan–South"
    # is one token to PostgreSQL, two to FTS5, two here).
    return " ".join(re.findall(r"\w+", " ".join(parts).lower()))


def _row(meeting: dict, names: dict[str, str]) -> dict:
    date, location = meeting["date"], meeting["location"] or {}
    return {
        **{
            k: meeting[k]
            for k in (
                "title",
                "summary",
                "type",
                "format",
                "status",
                "date_precision",
                "date_basis",
                "date_note",
                "start_time",
                "timezone",
                "duration_minutes",
                "duration_approximate",
                "occasion",
            )
        },
        "date": date.text,
        "date_first": date.first_day,
        "date_last": date.last_day,
        "starts_at": starts_at(date, meeting["start_time"], meeting["timezone"]),
        **{f"location_{k}": location.get(k) for k in ("venue", "city", "region", "country")},
        "search_text": _search_text(meeting, names),
        "evidence": meeting.get("evidence") or [],
    }


# The fields a child table's rows are given in, by `_children`.
CHILD_COLUMNS = {
    Party: ("meeting", "country", "position", "date_first"),
    Participant: ("meeting", "position", "date_first", "person", "country", "title", "side"),
    AgreedPoint: ("meeting", "position", "kind", "text", "topics", "quote"),
    Discussed: ("meeting", "position", "text", "topics", "quote"),
    MeetingTopic: ("meeting", "topic", "date_first"),
    MeetingSource: ("meeting", "source", "position"),
    PartyPair: ("country", "other", "date_first", "meeting"),
}


def _children(meeting: dict, first_day, topics: list[str], pairs: bool = False) -> dict:
    """A meeting's rows in each child table, as values in `CHILD_COLUMNS` order, one row after
    another, ready for the driver (`first_day` is the meeting's first day as the driver takes
    it, `topics` its `_topics`). The filter tables keep that day: lists walk them in date
    order. With `pairs`, its party pairs too, as the database's trigger would write them (each
    ordered pair of two parties)."""
    mid, day = meeting["id"], first_day
    party, party_pairs = [], []
    for i, country in enumerate(meeting["parties"], 1):
        party += (mid, country, i, day)
    if pairs:
        for country in meeting["parties"]:
            for other in meeting["parties"]:
                if other != country:
                    party_pairs += (country, other, day, mid)
    participants = []
    for i, p in enumerate(meeting["participants"], 1):
        participants += (mid, i, day, p["person"], p["country"], p["title"], p["side"])
    topic_list = AgreedPoint.topics.db_value
    points = []
    for i, p in enumerate(meeting["agreed_points"], 1):
        points += (mid, i, p["kind"], p["text"], topic_list(p["topics"]), p["quote"])
    discussed = []
    for i, p in enumerate(meeting["discussed"], 1):
        discussed += (mid, i, p["text"], topic_list(p["topics"]), p["quote"])
    topic_rows = []
    for topic in topics:
        topic_rows += (mid, topic, day)
    sources = []
    for i, source in enumerate(meeting["sources"], 1):
        sources += (mid, source, i)
    return {
        Party: party,
        Participant: participants,
        AgreedPoint: points,
        Discussed: discussed,
        MeetingTopic: topic_rows,
        MeetingSource: sources,
        PartyPair: party_pairs,
    }


def _shown_sources(meetings: list[dict]) -> dict[str, tuple]:
    """The stored sources these meetings show, as documents show them, by id."""
    wanted = {s for m in meetings for s in m["sources"]}
    columns = [getattr(Source, c) for c in documents.SOURCE_COLUMNS]
    return {row[0]: row for row in select_in(Source.id, wanted, *columns)}


def _links_to(meetings: list[dict]) -> defaultdict:
    """The links these meetings state, by the meeting they point at: (from, position, relation)."""
    links = defaultdict(list)
    for m in meetings:
        for position, r in enumerate(m["related"], 1):
            links[r["id"]].append((m["id"], position, r["relation"]))
    return links


def claim_meeting_id(meeting: dict) -> str:
    """The id a new meeting is created under, held for this transaction: its own `id` (a 409
    Conflict when a meeting has it or had it), or one derived from it (`new_meeting_id`).

    On PostgreSQL a transaction-level advisory lock on the id makes concurrent creates of one
    id queue: each checks the id only once it holds the lock, so it sees the commit of any
    create that held it before, and exactly one of them creates the record. A derived id that
    a concurrent create took meanwhile is passed over for the next free one. SQLite has one
    writer at a time.
    """
    wanted = meeting.get("id")
    while True:
        candidate = wanted or new_meeting_id(meeting)
        if isinstance(db.obj, PostgresqlDatabase):
            db.obj.execute_sql(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (ID_LOCKS, candidate)
            )
        if not _taken(candidate):
            return candidate
        if wanted:
            deleted = Tombstone.select().where(Tombstone.id == wanted).exists()
            raise Conflict(
                wanted,
                "id",
                f"Meeting id {wanted!r} belonged to a deleted meeting; ids are never reused."
                if deleted
                else f"Meeting {wanted!r} exists already: choose another id, or PUT to update it.",
                status=409,
            )


# pg_advisory_xact_lock's first key for the locks on meeting ids (the second: the id's hash).
ID_LOCKS = 1


def _taken(meeting_id: str) -> bool:
    return (
        Meeting.select().where(Meeting.id == meeting_id).exists()
        or Tombstone.select().where(Tombstone.id == meeting_id).exists()
        # A renamed meeting's old id, which answers with a redirect (api.aliases).
        or Alias.select().where((Alias.kind == "meeting") & (Alias.id == meeting_id)).exists()
    )


def new_meeting_id(meeting: dict) -> str:
    """A free slug from date, parties and type: `2024-09-06-jp-kr-summit`, then `-2`, `-3`..."""
    base = "-".join(
        [
            meeting["date"].text,
            *(c.lower() for c in meeting["parties"][:4]),
            meeting["type"].replace("_", "-"),
        ]
    )[:90]
    taken = {m.id for m in Meeting.select(Meeting.id).where(Meeting.id.startswith(base))}
    taken |= {t.id for t in Tombstone.select(Tombstone.id).where(Tombstone.id.startswith(base))}
    renamed = (Alias.kind == "meeting") & Alias.id.startswith(base)
    taken |= {a.id for a in Alias.select(Alias.id).where(renamed)}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# (Party pairs follow party rows by themselves: see migration 0007.)
CHILDREN = (Party, Participant, AgreedPoint, Discussed, MeetingTopic, MeetingSource)
# Meetings prepared and written at a time: a few statements a table for each thousand.
WRITE_CHUNK = 1000


def save_meetings(
    meetings: list[dict],
    progress=None,
    references: References | None = None,
    party_pairs: bool = False,
) -> dict[str, str]:
    """Store validated meetings (MeetingIn output); returns created/updated/unchanged per id.
    `references` is what they refer to, when the caller gathered it already. With
    `party_pairs`, the meetings' party pairs are written here, with their other rows: for a
    caller that has switched off the trigger that writes them.

    What each meeting comes to is settled for the whole batch first; then rows are prepared a
    thousand meetings at a time and written a table at a time, so a bulk import costs a few
    statements per thousand meetings. Run inside a transaction: on any error the caller rolls
    the whole batch back.
    """
    if references is None:
        references = References(meetings)
    renames.follow(meetings, references)
    batch = {m["id"] for m in meetings}
    changes: list[dict] = []
    changed_refs = _save_references(references, batch, changes)
    _check_references(meetings, references, batch)
    names = dict(select_in(Person.id, references.person_ids, Person.id, Person.name))
    ids = [m["id"] for m in meetings]
    existing = {
        mid: (digest, revision)
        for mid, digest, revision in select_in(
            Meeting.id, ids, Meeting.id, Meeting.content_hash, Meeting.revision
        )
    }
    gone = {tid for (tid,) in select_in(Tombstone.id, set(ids) - set(existing), Tombstone.id)}
    try:
        links.settle(meetings, existing.keys())
    except links.LinkConflict as exc:
        raise Conflict(exc.meeting_id, "related", f"Invalid related links: {exc}") from None
    old_links = defaultdict(set)
    for mid, other, relation in select_in(
        Relation.meeting, existing, Relation.meeting, Relation.other, Relation.relation
    ):
        old_links[mid].add((other, relation))

    now, outcome, touched = utcnow(), {}, set()
    updated = []
    for meeting in meetings:
        mid = meeting["id"]
        old = existing.get(mid)
        if old is None:
            if mid in gone:
                raise Conflict(
                    mid,
                    "id",
                    f"Meeting id {mid!r} belonged to a deleted meeting; ids are never reused.",
                    status=409,
                )
            changes.append({"meeting_id": mid, "op": "created", "revision": 1, "at": now})
            outcome[mid] = "created"
            touched |= {r["id"] for r in meeting["related"]}
            continue
        digest = _digest(meeting)
        shown = {p["person"] for p in meeting["participants"]} | set(meeting["sources"])
        if _unchanged(meeting, old[0], digest) and not shown & changed_refs:
            outcome[mid] = "unchanged"
            continue
        stated = {(r["id"], r["relation"]) for r in meeting["related"]}
        touched |= {other for other, _ in old_links[mid] ^ stated}
        updated.append((mid, {**_row(meeting, names), "content_hash": digest, "updated_at": now}))
        changes.append({"meeting_id": mid, "op": "updated", "revision": old[1] + 1, "at": now})
        outcome[mid] = "updated"

    for mid, row in updated:
        Meeting.update(revision=Meeting.revision + 1, **row).where(Meeting.id == mid).execute()
    replaced = [mid for mid, _ in updated]
    for model in (*CHILDREN, Relation):
        for chunk in chunked(replaced, CHUNK):
            model.delete().where(model.meeting.in_(chunk)).execute()

    written = [m for m in meetings if outcome[m["id"]] != "unchanged"]
    # New meetings get their documents with their rows where the database orders their parts
    # as Python does; elsewhere they are read back once stored, as changed ones always are.
    made_here = documents.sorts_like_python()
    # Days go to the driver as `flat_values` converts them.
    sqlite = not isinstance(db.obj, PostgresqlDatabase)
    day = converter(Party.date_first, sqlite) or (lambda first_day: first_day)
    sources = _shown_sources(written) if made_here else {}
    links_to = _links_to(written)

    def prepare(chunk: list[dict]) -> list[tuple]:
        """(model, columns, values) for the rows these meetings add, ready for the driver."""
        rows, children = defaultdict(list), defaultdict(list)
        for meeting in chunk:
            if outcome[meeting["id"]] == "unchanged":
                continue
            topics = _topics(meeting)
            if outcome[meeting["id"]] == "created":
                row = {
                    "id": meeting["id"],
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                    "content_hash": _digest(meeting, topics),
                    **_row(meeting, names),
                }
                if made_here:
                    row["document"] = documents.render_new(
                        row, meeting, topics, names, sources, links_to
                    )
                rows[Meeting].append(row)
            first_day = day(meeting["date"].first_day)
            for model, values in _children(meeting, first_day, topics, party_pairs).items():
                children[model] += values
        # SQLite's search index numbers meetings by their first day (migration 0006), and FTS5
        # writes out the words it has gathered whenever a number comes lower than the last:
        # in the batch's order that is nearly every meeting, in day order once a chunk.
        rows[Meeting].sort(key=itemgetter("date_first"))
        # Pairs go in in key order: each lands near the last in the table's one b-tree.
        pairs = children[PartyPair]
        in_order = sorted(tuple(pairs[i : i + 4]) for i in range(0, len(pairs), 4))
        children[PartyPair] = [value for row in in_order for value in row]
        tables = [(Meeting, *flat_values(Meeting, rows[Meeting]))] if rows[Meeting] else []
        return tables + [
            (m, CHILD_COLUMNS[m], children[m]) for m in (*CHILDREN, PartyPair) if children[m]
        ]

    # With many meetings, a forked child prepares chunks while this process writes them (and
    # prepares some itself when the child falls behind).
    chunks = [meetings[i : i + WRITE_CHUNK] for i in range(0, len(meetings), WRITE_CHUNK)]
    with forked.mapped(prepare, chunks, len(meetings)) as prepared:
        for chunk, tables in zip(chunks, prepared, strict=True):
            for model, columns, values in tables:
                insert_values(model, columns, values)
            if progress:
                progress(len(chunk))
    # Relations last: they may point at meetings stored further down the batch.
    insert_rows(
        Relation,
        [
            {"meeting": m["id"], "other": r["id"], "relation": r["relation"], "position": i}
            for m in meetings
            if outcome[m["id"]] != "unchanged"
            for i, r in enumerate(m["related"], 1)
        ],
    )
    documents.refresh(
        mid
        for mid, what in outcome.items()
        if what == "updated" or (what == "created" and not made_here)
    )
    # A new or changed link shows on the other record too, so its revision (and ETag) moves.
    touched -= {mid for mid, what in outcome.items() if what != "unchanged"}
    if touched:
        _touch(touched, changes)
    changelog.append(changes)
    return outcome
