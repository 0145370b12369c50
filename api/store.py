"""Writing validated records: one place that turns schema output into rows.

Saving is idempotent: a record whose content is unchanged is left alone, so loading the same
data twice changes nothing; a changed one is replaced and its revision bumped.
"""

import datetime as dt
import hashlib
import json
import re
import zoneinfo

from peewee import chunked

from .models import (
    AgreedPoint,
    Change,
    Discussed,
    Meeting,
    MeetingSource,
    MeetingTopic,
    Participant,
    Party,
    Person,
    Relation,
    Source,
    Tombstone,
    utcnow,
)


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


def _digest(data: dict) -> str:
    # The same record given with or without its points' topics repeated is the same record.
    text = json.dumps(
        {**data, "topics": _topics(data)}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def starts_at(date, start_time: str | None, timezone: str | None) -> dt.datetime | None:
    """The UTC instant a meeting began, where its day, local time and zone are all known."""
    if not (start_time and timezone and date.precision == "day"):
        return None
    hour, minute = map(int, start_time.split(":"))
    local = dt.datetime.combine(date.first_day, dt.time(hour, minute), zoneinfo.ZoneInfo(timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _save_shown(model, records: list[dict], shown_by, batch: set[str]) -> set[str]:
    """Insert or update records that meetings show (people, sources); returns the changed ids.

    Inserts tolerate a concurrent writer adding the same record first. Meetings that show a
    changed record get a new revision, except those of the batch being saved, which the caller
    stores (and bumps) once.
    """
    changed = set()
    for record in records:
        model.insert(**record).on_conflict_ignore().execute()
        stored = model.get_by_id(record["id"])
        if any(getattr(stored, k) != v for k, v in record.items()):
            model.update(**record).where(model.id == record["id"]).execute()
            changed.add(record["id"])
    if changed:
        link = shown_by.model
        showing = {r.meeting_id for r in link.select(link.meeting).where(shown_by.in_(changed))}
        _touch(showing - batch, refresh_search=model is Person)
    return changed


def _log(meeting_id: str, op: str, revision: int, at: dt.datetime) -> None:
    Change.insert(meeting_id=meeting_id, op=op, revision=revision, at=at).execute()


def _touch(meeting_ids, refresh_search: bool = False) -> None:
    """Bump meetings whose representation changed through a record they show."""
    now = utcnow()
    ids = [m.id for m in Meeting.select(Meeting.id).where(Meeting.id.in_(list(meeting_ids)))]
    if not ids:
        return
    Meeting.update(revision=Meeting.revision + 1, updated_at=now).where(
        Meeting.id.in_(ids)
    ).execute()
    for meeting in Meeting.select(Meeting.id, Meeting.revision).where(Meeting.id.in_(ids)):
        _log(meeting.id, "updated", meeting.revision, now)
    if refresh_search:
        for meeting_id, text in _stored_search_texts(ids).items():
            Meeting.update(search_text=text).where(Meeting.id == meeting_id).execute()


def _stored_search_texts(ids: list[str]) -> dict[str, str]:
    """Search text rebuilt from what is stored, for meetings whose participants were renamed."""
    from .records import portable_documents

    meetings = list(Meeting.select().where(Meeting.id.in_(ids)))
    texts = {}
    for document in portable_documents(meetings):
        names = {p["person"]["id"]: p["person"]["name"] for p in document["participants"]}
        document["participants"] = [
            {**p, "person": p["person"]["id"]} for p in document["participants"]
        ]
        texts[document["id"]] = _search_text(document, names)
    return texts


def _resolve_references(meetings: list[dict]) -> set[str]:
    """People and sources given whole are stored first; the meetings then refer to their ids.

    Returns the ids of the people and sources that changed.
    """
    people = {}
    sources = {}
    for meeting in meetings:
        for participant in meeting["participants"]:
            if isinstance(participant["person"], dict):
                people[participant["person"]["id"]] = participant["person"]
                participant["person"] = participant["person"]["id"]
        for i, source in enumerate(meeting["sources"]):
            if isinstance(source, dict):
                sources[source["id"]] = source
                meeting["sources"][i] = source["id"]
    batch = {m["id"] for m in meetings}
    return _save_shown(Person, list(people.values()), Participant.person, batch) | _save_shown(
        Source, list(sources.values()), MeetingSource.source, batch
    )


def delete_meeting(meeting_id: str, revision: int) -> None:
    """Remove a meeting, leave its tombstone, and bump the meetings that showed a link to it."""
    linked = [
        r.other_id for r in Relation.select(Relation.other).where(Relation.meeting == meeting_id)
    ]
    linked += [
        r.meeting_id for r in Relation.select(Relation.meeting).where(Relation.other == meeting_id)
    ]
    now = utcnow()
    for model in (Party, Participant, AgreedPoint, Discussed, MeetingTopic, MeetingSource):
        model.delete().where(model.meeting == meeting_id).execute()
    Relation.delete().where(
        (Relation.meeting == meeting_id) | (Relation.other == meeting_id)
    ).execute()
    Meeting.delete().where(Meeting.id == meeting_id).execute()
    Tombstone.insert(id=meeting_id, revision=revision + 1, deleted_at=now).execute()
    _log(meeting_id, "deleted", revision + 1, now)
    if linked:
        _touch(linked)


def _check_references(meetings: list[dict]) -> None:
    batch = {m["id"] for m in meetings}
    wanted = {
        "person": {p["person"] for m in meetings for p in m["participants"]},
        "source": {s for m in meetings for s in m["sources"]},
        "related": {r["id"] for m in meetings for r in m["related"]} - batch,
    }
    found = {
        "person": {
            p.id for p in Person.select(Person.id).where(Person.id.in_(list(wanted["person"])))
        },
        "source": {
            s.id for s in Source.select(Source.id).where(Source.id.in_(list(wanted["source"])))
        },
        "related": {
            m.id for m in Meeting.select(Meeting.id).where(Meeting.id.in_(list(wanted["related"])))
        },
    }
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
    }


def _children(meeting: dict):
    mid = meeting["id"]
    topics = _topics(meeting)
    yield (
        Party,
        [
            {"meeting": mid, "country": c, "position": i}
            for i, c in enumerate(meeting["parties"], 1)
        ],
    )
    yield (
        Participant,
        [{"meeting": mid, "position": i, **p} for i, p in enumerate(meeting["participants"], 1)],
    )
    yield (
        AgreedPoint,
        [{"meeting": mid, "position": i, **p} for i, p in enumerate(meeting["agreed_points"], 1)],
    )
    yield (
        Discussed,
        [{"meeting": mid, "position": i, **p} for i, p in enumerate(meeting["discussed"], 1)],
    )
    yield MeetingTopic, [{"meeting": mid, "topic": t} for t in topics]
    yield (
        MeetingSource,
        [{"meeting": mid, "source": s, "position": i} for i, s in enumerate(meeting["sources"], 1)],
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
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def save_meetings(meetings: list[dict], progress=None) -> dict[str, str]:
    """Store validated meetings (MeetingIn output); returns created/updated/unchanged per id.

    Run inside a transaction: on any error the caller rolls the whole batch back.
    """
    changed_refs = _resolve_references(meetings)
    _check_references(meetings)
    names = {
        p.id: p.name
        for p in Person.select(Person.id, Person.name).where(
            Person.id.in_([p["person"] for m in meetings for p in m["participants"]])
        )
    }
    existing = {
        m.id: m
        for m in Meeting.select(Meeting.id, Meeting.content_hash, Meeting.revision).where(
            Meeting.id.in_([m["id"] for m in meetings])
        )
    }
    now, outcome, changed, touched = utcnow(), {}, [], set()
    for meeting in meetings:
        mid, digest = meeting["id"], _digest(meeting)
        old = existing.get(mid)
        shown = {p["person"] for p in meeting["participants"]} | set(meeting["sources"])
        if old is not None and old.content_hash == digest and not shown & changed_refs:
            outcome[mid] = "unchanged"
            if progress:
                progress(1)
            continue
        row = {**_row(meeting, names), "content_hash": digest, "updated_at": now}
        if old is None:
            if Tombstone.get_or_none(Tombstone.id == mid) is not None:
                raise Conflict(
                    mid,
                    "id",
                    f"Meeting id {mid!r} belonged to a deleted meeting; ids are never reused.",
                    status=409,
                )
            Meeting.insert(id=mid, created_at=now, revision=1, **row).execute()
            _log(mid, "created", 1, now)
            outcome[mid] = "created"
        else:
            old_links = {
                (r.other_id, r.relation) for r in Relation.select().where(Relation.meeting == mid)
            }
            touched |= {
                other
                for other, _ in old_links ^ {(r["id"], r["relation"]) for r in meeting["related"]}
            }
            Meeting.update(revision=Meeting.revision + 1, **row).where(Meeting.id == mid).execute()
            _log(mid, "updated", old.revision + 1, now)
            for model in (
                Party,
                Participant,
                AgreedPoint,
                Discussed,
                MeetingTopic,
                MeetingSource,
                Relation,
            ):
                model.delete().where(model.meeting == mid).execute()
            outcome[mid] = "updated"
        for model, rows in _children(meeting):
            for batch in chunked(rows, 200):
                model.insert_many(batch).execute()
        changed.append(meeting)
        if progress:
            progress(1)
    # Relations last: they may point at meetings stored further down the batch.
    for meeting in changed:
        rows = [
            {"meeting": meeting["id"], "other": r["id"], "relation": r["relation"], "position": i}
            for i, r in enumerate(meeting["related"], 1)
        ]
        if rows:
            Relation.insert_many(rows).execute()
        if outcome[meeting["id"]] == "created":
            touched |= {r["id"] for r in meeting["related"]}
    # A new or changed link shows on the other record too, so its revision (and ETag) moves.
    touched -= {mid for mid, what in outcome.items() if what != "unchanged"}
    if touched:
        _touch(list(touched))
    return outcome
