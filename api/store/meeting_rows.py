"""A validated meeting as the rows that store it: its meeting row, its child tables' rows,
its search text, and the digest that tells whether it changed."""

import hashlib
import json

import orjson

from api.common.words import MONTHS, words
from api.models import (
    AgreedPoint,
    Discussed,
    MeetingSource,
    MeetingTopic,
    Participant,
    Party,
    PartyPair,
)
from schemas.fields import lookup_country
from schemas.meeting import starts_at


def topics_of(meeting: dict) -> list[str]:
    points = meeting["agreed_points"] + meeting["discussed"]
    return sorted(set(meeting["topics"]) | {t for p in points for t in p["topics"]})


def digest(data: dict, topics: list[str] | None = None) -> str:
    """SHA-256 of the record as given, as JSON with its keys sorted. The same record given with
    or without its points' topics repeated is the same record, and so is one given with no
    evidence or an empty list of it (as a GET shows it). (`topics` are its `topics_of`, where
    the caller has them.)"""
    digested = {**data, "topics": topics_of(data) if topics is None else topics}
    if not digested.get("evidence", True):
        del digested["evidence"]
    try:
        text = orjson.dumps(digested, option=orjson.OPT_SORT_KEYS, default=str)
    except orjson.JSONEncodeError:  # what orjson refuses (an integer over 64 bits) is hashed
        return first_digest(data)  # as before
    return hashlib.sha256(text).hexdigest()


FIRST_DIGESTED = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def first_digest(data: dict) -> str:
    """The digest as stored before `digest` (the standard library's JSON, with spaces): a
    record stored then keeps it until it changes, and loading it again changes nothing."""
    text = FIRST_DIGESTED.encode({**data, "topics": topics_of(data)})
    return hashlib.sha256(text.encode()).hexdigest()


def unchanged(data: dict, stored: str, digest: str) -> bool:
    return stored == digest or stored == first_digest(data)


def date_words(date) -> str:
    """A meeting's date as a reader types it: its year as written, and its month's name where
    the date gives one ("2024 December"). (Step 0017 writes the same in SQL.)"""
    year, month = date.text[:4], date.text[5:7]
    return f"{year} {MONTHS[int(month) - 1]}" if month else year


def search_columns(meeting: dict, names: dict[str, str], sources: dict[str, str]) -> dict:
    """The words `q` searches (`common.words`): the title and topics, which weigh more in
    relevance, and everything else a reader would search: summary, occasion, points, quotes,
    participants' names and titles, places, the parties' names, the sources' titles and
    publishers (`sources`: their words by id), and, last, the date's year and month."""
    location = meeting["location"] or {}
    body = [meeting["summary"], meeting.get("occasion") or ""]
    for point in meeting["agreed_points"] + meeting["discussed"]:
        body += [point["text"], point.get("quote") or ""]
    for p in meeting["participants"]:
        body += [names.get(p["person"], ""), p.get("title") or ""]
    body += [location.get(k) or "" for k in ("venue", "city", "region")]
    body += [c.name for c in map(lookup_country, meeting["parties"]) if c is not None]
    body += [sources.get(source, "") for source in meeting["sources"]]
    body.append(date_words(meeting["date"]))  # last: step 0017 appends it to stored words
    title = [meeting["title"], *(topic.replace("-", " ") for topic in topics_of(meeting))]
    return {"search_title": words(" ".join(title)), "search_text": words(" ".join(body))}


def meeting_row(meeting: dict, names: dict[str, str], sources: dict[str, str]) -> dict:
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
        **search_columns(meeting, names, sources),
        "evidence": meeting.get("evidence") or [],
    }


# The fields a child table's rows are given in, by `child_values`.
CHILD_COLUMNS = {
    Party: ("meeting", "country", "position", "date_first"),
    Participant: ("meeting", "position", "date_first", "person", "country", "title", "side"),
    AgreedPoint: ("meeting", "position", "kind", "text", "topics", "quote"),
    Discussed: ("meeting", "position", "text", "topics", "quote"),
    MeetingTopic: ("meeting", "topic", "date_first"),
    MeetingSource: ("meeting", "source", "position"),
    PartyPair: ("country", "other", "date_first", "meeting"),
}


def child_values(meeting: dict, first_day, topics: list[str], pairs: bool = False) -> dict:
    """A meeting's rows in each child table, as values in `CHILD_COLUMNS` order, one row after
    another, ready for the driver (`first_day` is the meeting's first day as the driver takes
    it, `topics` its `topics_of`). The filter tables keep that day: lists walk them in date
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
