"""Other representations of meetings, streamed in batches: CSV, NDJSON and iCalendar."""

import csv
import datetime as dt
import io
import json

import icalendar

from schemas.fields import PartialDate, lookup_country

from .pagination import after

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
ICAL_STATUS = {
    "held": "CONFIRMED",
    "scheduled": "TENTATIVE",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}


def batches(query, documents, keys):
    """Every row of `query` in key order, as documents, a batch of rows at a time."""
    last = None
    while True:
        page = query.order_by(*[c.desc() if desc else c.asc() for c, desc in keys])
        if last is not None:
            page = page.where(after(keys, last, True))
        rows = list(page.limit(BATCH))
        if not rows:
            return
        yield from documents(rows)
        last = [getattr(rows[-1], column.name) for column, _ in keys]


def ndjson_lines(documents):
    for document in documents:
        yield json.dumps(document, ensure_ascii=False) + "\n"


def _joined(values) -> str:
    return "; ".join(values)


def csv_row(d: dict) -> dict:
    location = d["location"] or {}
    return {
        **{k: d[k] for k in CSV_COLUMNS if k in d and not isinstance(d[k], list | dict)},
        **{f"location_{k}": location.get(k) for k in ("venue", "city", "region", "country")},
        "parties": _joined(p["country"] for p in d["parties"]),
        "participants": _joined(
            f"{p['person']['name']} ({p['country']}, {p['title']})" for p in d["participants"]
        ),
        "agreed_points": _joined(p["text"] for p in d["agreed_points"]),
        "discussed": _joined(p["text"] for p in d["discussed"]),
        "topics": _joined(d["topics"]),
        "sources": _joined(s["id"] for s in d["sources"]),
        "related": _joined(f"{r['id']} ({r['relation']})" for r in d["related"]),
    }


def csv_lines(documents):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for document in documents:
        writer.writerow(csv_row(document))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _calendar_parts() -> tuple[bytes, bytes]:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Meeting Records API//v1//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Diplomatic meetings")
    text = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    return text[: -len(end)], end


def event(d: dict) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"{d['id']}@meeting-records")
    item.add("summary", d["title"])
    item.add(
        "dtstamp",
        dt.datetime.strptime(d["updated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC),
    )
    item.add("status", ICAL_STATUS[d["status"]])
    note = d["summary"]
    if d["starts_at"]:
        start = dt.datetime.strptime(d["starts_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        item.add("dtstart", start)
        if d["duration_minutes"]:
            item.add("duration", dt.timedelta(minutes=d["duration_minutes"]))
    else:
        # All day: the day itself, or the whole month or year when that is all that is known.
        days = PartialDate.parse(d["date"])
        item.add("dtstart", days.first_day)
        item.add("dtend", days.last_day + dt.timedelta(days=1))
        if d["date_precision"] != "day":
            note += f"\n\nDate known to the {d['date_precision']} only: {d['date']}."
    item.add("description", note)
    if d["location"]:
        loc = d["location"]
        parts = [loc["venue"], loc["city"], loc["region"], lookup_country(loc["country"]).name]
        item.add("location", ", ".join(p for p in parts if p))
    if d["topics"]:
        item.add("categories", d["topics"])
    return item


def ical_lines(documents):
    head, tail = _calendar_parts()
    yield head
    for document in documents:
        yield event(document).to_ical()
    yield tail
