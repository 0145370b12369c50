"""Other representations of meetings, streamed in batches: CSV, NDJSON and iCalendar.

Each takes the meetings' stored documents (`meeting.document`, the JSON text a read sends) and
yields the text to send: NDJSON sends each document as it is stored, CSV and iCalendar read it
once with orjson.
"""

import csv
import datetime as dt
import io
import re
from functools import lru_cache

import icalendar
import orjson
from icalendar import vCategory, vDDDTypes, vDuration
from icalendar.parser import Contentline
from icalendar.prop import vInline

from api.http.pagination import from_query
from api.queries.matches import finder as finder_of
from schemas.fields import PartialDate, lookup_country
from schemas.meeting_out import MeetingFound
from schemas.selection import select

BATCH = 500
CSV_COLUMNS = (
    "id",
    "title",
    "summary",
    "type",
    "format",
    "status",
    "date",
    "date_precision",
    "date_basis",
    "date_note",
    "start_time",
    "timezone",
    "starts_at",
    "duration_minutes",
    "duration_approximate",
    "location_venue",
    "location_city",
    "location_region",
    "location_country",
    "occasion",
    "parties",
    "participants",
    "agreed_points",
    "discussed",
    "topics",
    "sources",
    "related",
    "created_at",
    "updated_at",
    "revision",
)
# What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ICAL_STATUS = {
    "held": "CONFIRMED",
    "scheduled": "TENTATIVE",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}


def as_listed(documents, q: str | None, selected: tuple[str, ...] | None):
    """Stored documents as a JSON list or NDJSON sends them: with where `q` matched (unless
    `selected` leaves `matches` out) and only the `selected` fields (`fields=`), each read and
    written once; as they are stored when there is neither."""
    wanted = q is not None and (not selected or any(p.split(".")[0] == "matches" for p in selected))
    finder = finder_of(q) if wanted else None
    if finder is None and not selected:
        yield from documents
        return
    for document in documents:
        record = orjson.loads(document)
        if finder is not None:
            record["matches"] = finder.matches(record)
        yield orjson.dumps(select(record, MeetingFound, selected) if selected else record)


def selection(document: bytes | str, schema, selected: tuple[str, ...]) -> bytes:
    """A stored document with only the `selected` fields (`fields=`), as JSON."""
    return orjson.dumps(select(orjson.loads(document), schema, selected))


def batches(query, documents, keys):
    """Every row of `query` in key order, as documents, a batch of rows at a time: read as
    list pages read theirs (`pagination.from_query`)."""
    read, last = from_query(query, keys), None
    while rows := read(True, last, BATCH):
        yield from documents(rows)
        last = [getattr(rows[-1], column.name) for column, _ in keys]


def stored(meetings) -> list:
    """The documents these meetings keep, as stored: what the formats below take."""
    return [meeting.document for meeting in meetings]


def pages(read, key_of):
    """Every row that `read(after, limit)` gives, a batch at a time: each batch starts after
    the key (`key_of`) of the last row of the one before, until a batch comes short."""
    last = None
    while True:
        rows = read(last, BATCH)
        yield from rows
        if len(rows) < BATCH:
            return
        last = key_of(rows[-1])


def _chunks(pieces):
    """The pieces (bytes) joined into one chunk for each `BATCH` of them."""
    chunk = []
    for piece in pieces:
        chunk.append(piece)
        if len(chunk) == BATCH:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


def ndjson_lines(stored):
    """One stored document a line, sent as it is stored."""
    return _chunks(
        (document.encode() if isinstance(document, str) else document) + b"\n"
        for document in stored
    )


def joined(values) -> str:
    """Several values in one CSV cell."""
    return "; ".join(values)


def safe_cells(values: list) -> list:
    """CSV cells that no spreadsheet runs as formulas: text starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return gets a single quote in front, as OWASP recommends. A boolean
    is `true` or `false`, as JSON writes it."""
    return [_cell(value) for value in values]


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(d: dict) -> list:
    """A document as one flat CSV row, in the order of `CSV_COLUMNS`, its cells made safe."""
    location = d["location"] or {}
    flat = {
        **d,
        **{f"location_{k}": location.get(k) for k in ("venue", "city", "region", "country")},
        "parties": joined(p["country"] for p in d["parties"]),
        "participants": joined(
            f"{p['person']['name']} ({p['country']}, {p['title']})" for p in d["participants"]
        ),
        "agreed_points": joined(p["text"] for p in d["agreed_points"]),
        "discussed": joined(p["text"] for p in d["discussed"]),
        "topics": joined(d["topics"]),
        "sources": joined(s["id"] for s in d["sources"]),
        "related": joined(f"{r['id']} ({r['relation']})" for r in d["related"]),
    }
    return safe_cells([flat.get(column) for column in CSV_COLUMNS])


def csv_lines(stored):
    """A header, then one row a stored document, a batch of rows a chunk."""
    return csv_table(CSV_COLUMNS, (csv_row(orjson.loads(document)) for document in stored))


def csv_table(columns, rows):
    """The CSV text of a header of `columns`, then `rows` (lists of cells), a batch of rows a
    chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _calendar_parts() -> tuple[bytes, bytes]:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Meeting Records API//v1//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Diplomatic meetings")
    text = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    return text[: -len(end)], end


# What RFC 5545 TEXT holds no more than a line break: the control characters but HTAB.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def ical_text(text: str) -> vInline:
    """A TEXT value escaped as RFC 5545 (3.3.11) says, its control characters left out.
    icalendar's vText reads a backslash and N in the text as a line break first."""
    text = _CONTROLS.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    for char, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(char, escaped)
    return vInline(text)


def _content_line(name: str, value) -> bytes:
    """One property as icalendar writes it. A line over 75 octets is folded (RFC 5545, 3.1)
    by icalendar's Contentline; a shorter one is sent as it is, sparing the folding its walk
    through every character."""
    line = Contentline.from_parts(name, value.params, value)
    text = line.encode()
    return text if len(text) <= 75 else line.to_ical()


VALUE_TYPES = {
    "DTSTART": vDDDTypes,
    "DTEND": vDDDTypes,
    "DTSTAMP": lambda instant: vDDDTypes(dt.datetime.fromisoformat(instant)),
    "DURATION": lambda minutes: vDuration(dt.timedelta(minutes=minutes)),
    "CATEGORIES": lambda topics: vCategory(list(topics)),
    "LOCATION": ical_text,
    "STATUS": ical_text,
}


@lru_cache(maxsize=8192)
def _shared_line(name: str, value) -> bytes:
    """The content line of a value that many events share: a day, an update instant (a whole
    import shares a few), a duration, topics, a place, a status."""
    return _content_line(name, VALUE_TYPES[name](value))


def event(d: dict) -> bytes:
    """One VEVENT, each property a content line made (escaped and folded) by icalendar, in
    the order `icalendar.Event` writes them: the canonical ones first, then the rest by name.

    The lines are made directly: an `icalendar.Event` works out each value's type from its
    name and sorts its properties again, twice the work for the same text."""
    note = d["summary"]
    lines = [b"BEGIN:VEVENT", _content_line("SUMMARY", ical_text(d["title"]))]
    if d["starts_at"]:
        start = dt.datetime.fromisoformat(d["starts_at"])
        lines.append(_content_line("DTSTART", vDDDTypes(start)))
        if d["duration_minutes"]:
            lines.append(_shared_line("DURATION", d["duration_minutes"]))
    else:
        # All day: the day itself, or the whole month or year when that is all that is known.
        days = PartialDate.parse(d["date"])
        lines.append(_shared_line("DTSTART", days.first_day))
        if days.last_day < dt.date.max:
            lines.append(_shared_line("DTEND", days.last_day + dt.timedelta(days=1)))
        else:  # no day after 9999-12-31 to end on: as long, by days
            length = (days.last_day - days.first_day).days + 1
            lines.append(_shared_line("DURATION", length * 24 * 60))
        if d["date_precision"] != "day":
            note += f"\n\nDate known to the {d['date_precision']} only: {d['date']}."
    lines.append(_shared_line("DTSTAMP", d["updated_at"]))
    lines.append(_content_line("UID", ical_text(f"{d['id']}@meeting-records")))
    if d["topics"]:
        lines.append(_shared_line("CATEGORIES", tuple(d["topics"])))
    lines.append(_content_line("DESCRIPTION", ical_text(note)))
    if loc := d["location"]:
        parts = [loc["venue"], loc["city"], loc["region"], lookup_country(loc["country"]).name]
        lines.append(_shared_line("LOCATION", ", ".join(p for p in parts if p)))
    lines.append(_shared_line("STATUS", ICAL_STATUS[d["status"]]))
    lines.append(b"END:VEVENT\r\n")
    return b"\r\n".join(lines)


def ical_lines(stored):
    """A calendar with one event a stored document, a batch of events a chunk."""
    head, tail = _calendar_parts()
    yield head
    yield from _chunks(event(orjson.loads(document)) for document in stored)
    yield tail
