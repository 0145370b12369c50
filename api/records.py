"""Reading meetings: filters, and whole documents for a page in a fixed number of queries."""

import datetime as dt
import json
import re
from collections import defaultdict

from peewee import SQL, PostgresqlDatabase, fn

from .db import db
from .documents import render
from .models import (
    Meeting,
    MeetingTopic,
    Participant,
    Party,
    Person,
    Relation,
    Source,
)

# A record's date covers at most a year, so its first day is within a year of its last.
LONGEST_DATE = dt.timedelta(days=366)


def _has(child, column, value, walk_dates: bool):
    """Meetings with a child row holding `value`: checked meeting by meeting as the date index
    is walked (EXISTS, stopping at the page's end), or read from the child's index (IN)."""
    if walk_dates:
        match = (child.meeting == Meeting.id) & (column == value)
        return fn.EXISTS(child.select(SQL("1")).where(match))
    return Meeting.id.in_(child.select(child.meeting).where(column == value))


def filter_meetings(args: dict, walk_dates: bool = False):
    """The meetings query for the list endpoint's filters (sorting and paging apart).

    Two shapes select the same meetings. By default the filters' own indexes drive the query:
    best for counting, and for a page when the matches are few (they are read, then sorted).
    `walk_dates` walks the date index instead, checking each meeting, and stops at the page's
    end: best for a page when the matches are many."""
    query = Meeting.select()
    for code in args.get("country") or []:
        query = query.where(_has(Party, Party.country, code, walk_dates))
    if "person" in args:
        query = query.where(_has(Participant, Participant.person, args["person"], walk_dates))
    if "topic" in args:
        query = query.where(_has(MeetingTopic, MeetingTopic.topic, args["topic"], walk_dates))
    # A partial date is a range of days: it matches when the two ranges overlap. The bound on
    # date_first changes no result; it lets the date index serve both the range and the order.
    if "date_from" in args:
        first = args["date_from"].first_day
        query = query.where(
            (Meeting.date_last >= first) & (Meeting.date_first >= first - LONGEST_DATE)
        )
    if "date_to" in args:
        query = query.where(Meeting.date_first <= args["date_to"].last_day)
    for name in ("type", "format", "status", "location_country"):
        if name in args:
            query = query.where(getattr(Meeting, name) == args[name])
    if "updated_since" in args:
        since = args["updated_since"].astimezone(dt.UTC).replace(tzinfo=None)
        query = query.where(Meeting.updated_at >= since)
    if "q" in args:
        query = query.where(text_search(args["q"], walk_dates=walk_dates))
    return query


def text_search(q: str, walk_dates: bool = False):
    """Meetings holding every word of `q` (as a word or the start of one), found through the
    engine's own index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL. (The condition
    names the meeting table's columns unqualified: it is the only table of the outer query.)

    SQLite either sorts every match by date, or walks the date index checking each meeting
    against the matches; `walk_dates` asks for the walk (the `+` keeps the planner from driving
    the query by rowid), which wins when matches are many."""
    words = re.findall(r"\w+", q.lower())
    if not words:
        return SQL("1 = 0")
    param = db.obj.param
    if isinstance(db.obj, PostgresqlDatabase):
        terms = " & ".join(f"{w}:*" for w in words)
        return SQL(f"search_vector @@ to_tsquery('simple', {param})", [terms])
    terms = " ".join(f'"{w}"*' for w in words)
    column = "+rowid" if walk_dates else "rowid"
    return SQL(
        f"{column} IN (SELECT rowid FROM meeting_fts WHERE meeting_fts MATCH {param})", [terms]
    )


def stored_documents(meetings: list[Meeting]) -> list[dict]:
    """The documents these meetings keep (see api.documents): nothing to render."""
    return [json.loads(m.document) for m in meetings]


def meeting_documents(meetings: list[Meeting]) -> list[dict]:
    """Full documents for these meetings, rendered afresh (see api.documents)."""
    rendered = render([m.id for m in meetings])
    return [rendered[m.id] for m in meetings]


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
