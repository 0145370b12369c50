"""Writing validated records: one place that turns schema output into rows.

Saving is idempotent: a record whose content is unchanged is left alone, so loading the same
data twice changes nothing; a changed one is replaced and its revision bumped.
"""

from collections import defaultdict
from operator import itemgetter
from typing import NamedTuple

from peewee import PostgresqlDatabase, chunked

from api.db import db
from api.models import (
    AgreedPoint,
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
from api.store import changelog, documents, forked, links, meeting_rows, renames
from api.store.conflict import Conflict
from api.store.references import check_references, save_references
from api.store.rows import CHUNK, converter, flat_values, insert_rows, insert_values, select_in
from api.store.shared_records import References
from api.store.touch import rehash, touch


class Stored(NamedTuple):
    """What a save compares a meeting against: its stored content hash and revision."""

    digest: str
    revision: int


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
        touch(linked, changes)
        rehash(linked)
    changelog.append(changes)


def _shown_sources(meetings: list[dict]) -> dict[str, tuple]:
    """The stored sources these meetings show, as documents show them, by id."""
    wanted = {s for m in meetings for s in m["sources"]}
    columns = [getattr(Source, c) for c in documents.SOURCE_COLUMNS]
    return {row[0]: row for row in select_in(Source.id, wanted, *columns)}


def _source_words(ids) -> dict[str, str]:
    """The words `q` finds a meeting by in the sources it shows: their titles and publishers."""
    found = select_in(Source.id, ids, Source.id, Source.title, Source.publisher)
    return {sid: " ".join(filter(None, (title, publisher))) for sid, title, publisher in found}


def _links_to(meetings: list[dict]) -> defaultdict:
    """The links these meetings state, by the meeting they point at: (from, position, relation)."""
    links = defaultdict(list)
    for m in meetings:
        for position, r in enumerate(m["related"], 1):
            links[r["id"]].append((m["id"], position, r["relation"]))
    return links


# (Party pairs follow party rows by themselves: see migration 0007.)
CHILDREN = (Party, Participant, AgreedPoint, Discussed, MeetingTopic, MeetingSource)
# Meetings prepared and written at a time: a few statements a table for each thousand.
WRITE_CHUNK = 1000


def save_meetings(
    meetings: list[dict],
    progress=None,
    references: References | None = None,
    party_pairs: bool = False,
    copy: bool = False,
) -> dict[str, str]:
    """Store validated meetings (MeetingIn output); returns created/updated/unchanged per id.
    `references` is what they refer to, when the caller gathered it already. With
    `party_pairs`, the meetings' party pairs are written here, with their other rows: for a
    caller that has switched off the trigger that writes them. With `copy` (a bulk import), the
    rows go to PostgreSQL by COPY.

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
    changed_refs = save_references(references, batch, changes)
    check_references(meetings, references, batch)
    names = dict(select_in(Person.id, references.person_ids, Person.id, Person.name))
    source_words = _source_words(references.source_ids)
    ids = [m["id"] for m in meetings]
    existing = {
        mid: Stored(digest, revision)
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
        digest = meeting_rows.digest(meeting)
        shown = {p["person"] for p in meeting["participants"]} | set(meeting["sources"])
        if meeting_rows.unchanged(meeting, old.digest, digest) and not shown & changed_refs:
            outcome[mid] = "unchanged"
            continue
        stated = {(r["id"], r["relation"]) for r in meeting["related"]}
        touched |= {other for other, _ in old_links[mid] ^ stated}
        updated.append(
            (
                mid,
                {
                    **meeting_rows.meeting_row(meeting, names, source_words),
                    "content_hash": digest,
                    "updated_at": now,
                },
            )
        )
        changes.append(
            {"meeting_id": mid, "op": "updated", "revision": old.revision + 1, "at": now}
        )
        outcome[mid] = "updated"

    for mid, row in updated:
        Meeting.update(revision=Meeting.revision + 1, **row).where(Meeting.id == mid).execute()
    replaced = [mid for mid, _ in updated]
    for model in (*CHILDREN, Relation):
        for chunk in chunked(replaced, CHUNK):
            model.delete().where(model.meeting.in_(chunk)).execute()

    written = [m for m in meetings if outcome[m["id"]] != "unchanged"]
    # New meetings get their documents with their rows; changed ones are read back once
    # stored (`documents.render` and `render_new` order their parts alike).
    # Days go to the driver as `flat_values` converts them.
    sqlite = not isinstance(db.obj, PostgresqlDatabase)
    day = converter(Party.date_first, sqlite) or (lambda first_day: first_day)
    sources = _shown_sources(written)
    links_to = _links_to(written)

    def prepare(chunk: list[dict]) -> list[tuple]:
        """(model, columns, values) for the rows these meetings add, ready for the driver."""
        rows, children = defaultdict(list), defaultdict(list)
        for meeting in chunk:
            if outcome[meeting["id"]] == "unchanged":
                continue
            topics = meeting_rows.topics_of(meeting)
            if outcome[meeting["id"]] == "created":
                row = {
                    "id": meeting["id"],
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                    "content_hash": meeting_rows.digest(meeting, topics),
                    **meeting_rows.meeting_row(meeting, names, source_words),
                }
                row["document"] = documents.render_new(
                    row, meeting, topics, names, sources, links_to
                )
                rows[Meeting].append(row)
            first_day = day(meeting["date"].first_day)
            for model, values in meeting_rows.child_values(
                meeting, first_day, topics, party_pairs
            ).items():
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
            (m, meeting_rows.CHILD_COLUMNS[m], children[m])
            for m in (*CHILDREN, PartyPair)
            if children[m]
        ]

    # With many meetings, a forked child prepares chunks while this process writes them (and
    # prepares some itself when the child falls behind).
    chunks = [meetings[i : i + WRITE_CHUNK] for i in range(0, len(meetings), WRITE_CHUNK)]
    with forked.mapped(prepare, chunks, len(meetings)) as prepared:
        for chunk, tables in zip(chunks, prepared, strict=True):
            for model, columns, values in tables:
                insert_values(model, columns, values, copy=copy)
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
        copy=copy,
    )
    documents.refresh(mid for mid, what in outcome.items() if what == "updated")
    # A new or changed link shows on the other record too, so its revision (and ETag) moves.
    touched -= {mid for mid, what in outcome.items() if what != "unchanged"}
    if touched:
        touch(touched, changes)
    changelog.append(changes, copy=copy)
    return outcome
