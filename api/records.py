"""Reading meetings: filters, and whole documents for a page in a fixed number of queries."""

import datetime as dt
import re
from collections import defaultdict

from peewee import SQL, PostgresqlDatabase, fn

from schemas.fields import lookup_country
from schemas.meeting import INVERSE_RELATIONS

from .db import db
from .models import (
    AgreedPoint,
    Discussed,
    Meeting,
    MeetingSource,
    MeetingTopic,
    Participant,
    Party,
    Person,
    Relation,
    Source,
)


def instant(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def filter_meetings(args: dict):
    """The meetings query for the list endpoint's filters (sorting and paging apart)."""
    query = Meeting.select()
    for code in args.get("country") or []:
        query = query.where(
            Meeting.id.in_(Party.select(Party.meeting).where(Party.country == code))
        )
    if "person" in args:
        query = query.where(
            Meeting.id.in_(
                Participant.select(Participant.meeting).where(Participant.person == args["person"])
            )
        )
    if "topic" in args:
        query = query.where(
            Meeting.id.in_(
                MeetingTopic.select(MeetingTopic.meeting).where(MeetingTopic.topic == args["topic"])
            )
        )
    # A partial date is a range of days: it matches when the two ranges overlap.
    if "date_from" in args:
        query = query.where(Meeting.date_last >= args["date_from"].first_day)
    if "date_to" in args:
        query = query.where(Meeting.date_first <= args["date_to"].last_day)
    for name in ("type", "format", "status", "location_country"):
        if name in args:
            query = query.where(getattr(Meeting, name) == args[name])
    if "updated_since" in args:
        since = args["updated_since"].astimezone(dt.UTC).replace(tzinfo=None)
        query = query.where(Meeting.updated_at >= since)
    if "q" in args:
        query = query.where(Meeting.id.in_(text_search(args["q"])))
    return query


def text_search(q: str):
    """Ids of meetings holding every word of `q` (as a word or the start of one), found through
    the engine's own index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL."""
    words = re.findall(r"\w+", q.lower())
    if not words:
        return SQL("(SELECT id FROM meeting WHERE 1 = 0)")
    param = db.obj.param
    if isinstance(db.obj, PostgresqlDatabase):
        terms = " & ".join(f"{w}:*" for w in words)
        match = f"search_vector @@ to_tsquery('simple', {param})"
    else:
        terms = " ".join(f'"{w}"*' for w in words)
        match = f"rowid IN (SELECT rowid FROM meeting_fts WHERE meeting_fts MATCH {param})"
    return SQL(f"(SELECT id FROM meeting WHERE {match})", [terms])


def meeting_documents(meetings: list[Meeting]) -> list[dict]:
    """Full documents for these meetings: one query per kind of child, whatever their number."""
    ids = [m.id for m in meetings]
    if not ids:
        return []

    def grouped(query, key="meeting_id"):
        groups = defaultdict(list)
        for row in query:
            groups[getattr(row, key)].append(row)
        return groups

    parties = grouped(Party.select().where(Party.meeting.in_(ids)).order_by(Party.position))
    participants = grouped(
        Participant.select(Participant, Person.id, Person.name)
        .join(Person)
        .where(Participant.meeting.in_(ids))
        .order_by(Participant.position)
    )
    points = grouped(
        AgreedPoint.select().where(AgreedPoint.meeting.in_(ids)).order_by(AgreedPoint.position)
    )
    discussed = grouped(
        Discussed.select().where(Discussed.meeting.in_(ids)).order_by(Discussed.position)
    )
    topics = grouped(
        MeetingTopic.select().where(MeetingTopic.meeting.in_(ids)).order_by(MeetingTopic.topic)
    )
    sources = grouped(
        MeetingSource.select(MeetingSource, Source)
        .join(Source)
        .where(MeetingSource.meeting.in_(ids))
        .order_by(MeetingSource.position)
    )
    # A record's own links in the order it states them, then the inverses of links other
    # records state to it, by their id: the same order however the data was loaded.
    stated, inverse, wanted = defaultdict(list), defaultdict(list), set(ids)
    for link in (
        Relation.select()
        .where(Relation.meeting.in_(ids) | Relation.other.in_(ids))
        .order_by(Relation.meeting, Relation.position)
    ):
        if link.meeting_id in wanted:
            stated[link.meeting_id].append({"id": link.other_id, "relation": link.relation})
        if link.other_id in wanted:
            inverse[link.other_id].append(
                {"id": link.meeting_id, "relation": INVERSE_RELATIONS[link.relation]}
            )

    return [
        {
            "id": m.id,
            "title": m.title,
            "summary": m.summary,
            "type": m.type,
            "format": m.format,
            "status": m.status,
            "date": m.date,
            "date_precision": m.date_precision,
            "date_basis": m.date_basis,
            "date_note": m.date_note,
            "start_time": m.start_time,
            "timezone": m.timezone,
            "starts_at": instant(m.starts_at),
            "duration_minutes": m.duration_minutes,
            "duration_approximate": m.duration_approximate,
            "location": m.location_country
            and {
                "venue": m.location_venue,
                "city": m.location_city,
                "region": m.location_region,
                "country": m.location_country,
            },
            "occasion": m.occasion,
            "parties": [
                {"country": p.country, "name": lookup_country(p.country).name}
                for p in parties[m.id]
            ],
            "participants": [
                {
                    "person": {"id": p.person.id, "name": p.person.name},
                    "country": p.country,
                    "title": p.title,
                    "side": p.side,
                }
                for p in participants[m.id]
            ],
            "agreed_points": [
                {
                    "position": p.position,
                    "kind": p.kind,
                    "text": p.text,
                    "topics": p.topics,
                    "quote": p.quote,
                }
                for p in points[m.id]
            ],
            "discussed": [
                {"position": d.position, "text": d.text, "topics": d.topics, "quote": d.quote}
                for d in discussed[m.id]
            ],
            "topics": [t.topic for t in topics[m.id]],
            "sources": [
                {
                    "id": s.source.id,
                    "publisher": s.source.publisher,
                    "title": s.source.title,
                    "url": s.source.url,
                    "published_at": s.source.published_at,
                    "seed_file": s.source.seed_file,
                }
                for s in sources[m.id]
            ],
            "related": stated[m.id] + inverse[m.id],
            "created_at": instant(m.created_at),
            "updated_at": instant(m.updated_at),
            "revision": m.revision,
        }
        for m in meetings
    ]


def meeting_counts(column, ids=None) -> dict:
    """How many meetings each value of a child table's column has."""
    model = column.model
    query = model.select(column, fn.COUNT(model.meeting.distinct()).alias("n")).group_by(column)
    if ids is not None:
        query = query.where(column.in_(ids))
    return {row[0]: row[1] for row in query.tuples()}


def portable_documents(meetings: list[Meeting]) -> list[dict]:
    """Meetings as a client writes them, people and sources in full: what export writes, what
    import and PATCH read back. Derived data (inverse links, positions, server fields) is left
    out, so that writing a record back unchanged changes nothing."""
    documents = meeting_documents(meetings)
    ids = [m.id for m in meetings]
    people_ids = {p["person"]["id"] for d in documents for p in d["participants"]}
    people = {p.id: p for p in Person.select().where(Person.id.in_(list(people_ids)))}
    source_ids = {s["id"] for d in documents for s in d["sources"]}
    sources = {s.id: s for s in Source.select().where(Source.id.in_(list(source_ids)))}
    stated = defaultdict(list)
    for link in Relation.select().where(Relation.meeting.in_(ids)).order_by(Relation.position):
        stated[link.meeting_id].append({"id": link.other_id, "relation": link.relation})
    person_fields = ("id", "name", "given_name", "family_name", "country")
    source_fields = ("id", "publisher", "title", "url", "published_at", "seed_file", "sha256")
    server_owned = ("created_at", "updated_at", "revision", "starts_at")
    return [
        {
            **{k: v for k, v in d.items() if k not in server_owned},
            "parties": [p["country"] for p in d["parties"]],
            "participants": [
                {**p, "person": {f: getattr(people[p["person"]["id"]], f) for f in person_fields}}
                for p in d["participants"]
            ],
            "agreed_points": [
                {k: v for k, v in p.items() if k != "position"} for p in d["agreed_points"]
            ],
            "discussed": [{k: v for k, v in p.items() if k != "position"} for p in d["discussed"]],
            "sources": [
                {f: getattr(sources[s["id"]], f) for f in source_fields} for s in d["sources"]
            ],
            "related": stated[d["id"]],
        }
        for d in documents
    ]
