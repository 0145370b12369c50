"""Meeting documents, rendered with plain SQL and kept whole in `meeting.document`.

A read then costs one query and no rendering: writes re-render the documents they change, in
the same transaction (revision, links, names and all), so a stored document is always the
record as the API shows it.
"""

import datetime as dt
import json
from collections import defaultdict

from peewee import PostgresqlDatabase

from api.db import db
from api.models import compact_json, compact_json_bytes
from schemas.fields import lookup_country
from schemas.meeting import INVERSE_RELATIONS

CHUNK = 500
MEETING_COLUMNS = (
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
    "created_at",
    "updated_at",
    "revision",
    "evidence",
)
# A source as a document shows it (its sha256 stays out).
SOURCE_COLUMNS = ("id", "publisher", "title", "kind", "url", "published_at", "seed_file")


def _rows(sql: str, ids: list[str]) -> list[tuple]:
    """Run `sql` with each `{ids}` in it standing for the list of ids, and each `{bytewise}`
    for the collation that orders text by code point, as Python's `sorted` does: SQLite's
    binary collation does by itself; PostgreSQL orders by its locale unless told "C". Then a
    document read back and one made from a record in hand (`render_new`) are the same."""
    marks = ", ".join([db.obj.param] * len(ids))
    bytewise = ' COLLATE "C"' if isinstance(db.obj, PostgresqlDatabase) else ""
    params = ids * sql.count("{ids}")
    return db.obj.execute_sql(sql.format(ids=marks, bytewise=bytewise), params).fetchall()


_last_instant: list = [None, None]  # the last value formatted, and its text


def instant(value) -> str | None:
    """A stored timestamp as an ISO 8601 UTC instant (SQLite hands back text, PostgreSQL a
    datetime)."""
    if value is None:
        return None
    last, text = _last_instant  # read at once: another thread may set it meanwhile
    if value == last:  # documents written together share their timestamps
        return text
    given = value
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    # isoformat, not strftime: "%Y" writes the year 1 as "1", not "0001".
    formatted = value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
    _last_instant[:] = [given, formatted]
    return formatted


def _group(rows) -> defaultdict:
    groups = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row[1:])
    return groups


def render(ids: list[str]) -> dict[str, dict]:
    """Documents for these meetings: one query per kind of part, whatever their number."""
    documents = {}
    for start in range(0, len(ids), CHUNK):
        documents.update(_render(list(ids[start : start + CHUNK])))
    return documents


def _render(ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    columns = ", ".join(f'"{c}"' for c in MEETING_COLUMNS)
    meetings = _rows(f'SELECT {columns} FROM "meeting" WHERE "id" IN ({{ids}})', ids)
    parties = _group(
        _rows(
            'SELECT "meeting_id", "country" FROM "party" '
            'WHERE "meeting_id" IN ({ids}) ORDER BY "meeting_id", "position"',
            ids,
        )
    )
    participants = _group(
        _rows(
            'SELECT p."meeting_id", p."person_id", n."name", p."country", p."title", p."side" '
            'FROM "participant" p JOIN "person" n ON n."id" = p."person_id" '
            'WHERE p."meeting_id" IN ({ids}) ORDER BY p."meeting_id", p."position"',
            ids,
        )
    )
    points = _group(
        _rows(
            'SELECT "meeting_id", "position", "kind", "text", "topics", "quote" '
            'FROM "agreed_point" WHERE "meeting_id" IN ({ids}) '
            'ORDER BY "meeting_id", "position"',
            ids,
        )
    )
    discussed = _group(
        _rows(
            'SELECT "meeting_id", "position", "text", "topics", "quote" '
            'FROM "discussed" WHERE "meeting_id" IN ({ids}) '
            'ORDER BY "meeting_id", "position"',
            ids,
        )
    )
    topics = _group(
        _rows(
            'SELECT "meeting_id", "topic" FROM "meeting_topic" '
            'WHERE "meeting_id" IN ({ids}) ORDER BY "meeting_id", "topic"{bytewise}',
            ids,
        )
    )
    sources = _group(
        _rows(
            'SELECT m."meeting_id", s."id", s."publisher", s."title", s."kind", s."url", '
            's."published_at", s."seed_file" '
            'FROM "meeting_source" m JOIN "source" s ON s."id" = m."source_id" '
            'WHERE m."meeting_id" IN ({ids}) ORDER BY m."meeting_id", m."position"',
            ids,
        )
    )
    # A record's own links in the order it states them, then the inverses of the links other
    # records state to it, by their id: the same order however the data was loaded.
    links = _rows(
        'SELECT "meeting_id", "other_id", "relation", "position" FROM "relation" '
        'WHERE "meeting_id" IN ({ids}) OR "other_id" IN ({ids}) '
        'ORDER BY "meeting_id"{bytewise}, "position"',
        ids,
    )
    aliases = _group(
        _rows(
            'SELECT "target", "id" FROM "alias" WHERE "kind" = \'meeting\' '
            'AND "target" IN ({ids}) ORDER BY "target", "id"{bytewise}',
            ids,
        )
    )
    wanted, stated, inverse = set(ids), defaultdict(list), defaultdict(list)
    for meeting_id, other_id, relation, _ in links:
        if meeting_id in wanted:
            stated[meeting_id].append({"id": other_id, "relation": relation})
        if other_id in wanted:
            inverse[other_id].append({"id": meeting_id, "relation": INVERSE_RELATIONS[relation]})

    documents = {}
    for row in meetings:
        m = dict(zip(MEETING_COLUMNS, row, strict=True))
        mid = m["id"]
        documents[mid] = assemble(
            m,
            parties=[c for (c,) in parties[mid]],
            participants=participants[mid],
            points=[(*p[:3], json.loads(p[3]), p[4]) for p in points[mid]],
            discussed=[(*p[:2], json.loads(p[2]), p[3]) for p in discussed[mid]],
            topics=[t for (t,) in topics[mid]],
            sources=sources[mid],
            related=stated[mid] + inverse[mid],
            aliases=[a for (a,) in aliases[mid]],
        )
    return documents


def assemble(
    m: dict, *, parties, participants, points, discussed, topics, sources, related, aliases=()
) -> dict:
    """A document from its meeting row (by MEETING_COLUMNS) and its parts, each in the order
    shown: parties as codes, the others as the tuples `_render` reads, topics decoded; the
    evidence as stored (JSON text) or as given (a list)."""
    evidence = m["evidence"]
    if isinstance(evidence, str | bytes):
        evidence = json.loads(evidence)
    return {
        **{k: m[k] for k in MEETING_COLUMNS[:12]},
        "starts_at": instant(m["starts_at"]),
        "duration_minutes": m["duration_minutes"],
        "duration_approximate": bool(m["duration_approximate"]),
        "location": m["location_country"]
        and {
            "venue": m["location_venue"],
            "city": m["location_city"],
            "region": m["location_region"],
            "country": m["location_country"],
        },
        "occasion": m["occasion"],
        "parties": [{"country": c, "name": lookup_country(c).name} for c in parties],
        "participants": [
            {
                "person": {"id": pid, "name": name},
                "country": country,
                "title": title,
                "side": side,
            }
            for pid, name, country, title, side in participants
        ],
        "agreed_points": [
            {"position": pos, "kind": kind, "text": text, "topics": tags, "quote": quote}
            for pos, kind, text, tags, quote in points
        ],
        "discussed": [
            {"position": pos, "text": text, "topics": tags, "quote": quote}
            for pos, text, tags, quote in discussed
        ],
        "topics": topics,
        "sources": [dict(zip(SOURCE_COLUMNS, s, strict=True)) for s in sources],
        "related": related,
        "evidence": evidence or [],
        "aliases": list(aliases),
        "created_at": instant(m["created_at"]),
        "updated_at": instant(m["updated_at"]),
        "revision": m["revision"],
    }


def render_new(row: dict, meeting: dict, topics, names, sources, links_to) -> str | bytes:
    """The stored document of a meeting about to be stored new as `row`, from its record: what
    `render` would read back, without reading it back. Only meetings saved with it can link to
    it; `links_to` holds their links (from, position, relation) by the meeting linked."""
    related = [{"id": r["id"], "relation": r["relation"]} for r in meeting["related"]]
    related += [
        {"id": other, "relation": INVERSE_RELATIONS[relation]}
        for other, _, relation in sorted(links_to[row["id"]])
    ]
    document = assemble(
        row,
        parties=meeting["parties"],
        participants=[
            (p["person"], names[p["person"]], p["country"], p["title"], p["side"])
            for p in meeting["participants"]
        ],
        points=[
            (i, p["kind"], p["text"], p["topics"], p["quote"])
            for i, p in enumerate(meeting["agreed_points"], 1)
        ],
        discussed=[
            (i, p["text"], p["topics"], p["quote"]) for i, p in enumerate(meeting["discussed"], 1)
        ],
        topics=topics,
        sources=[sources[s] for s in meeting["sources"]],
        related=related,
    )
    return encode(document)


def encode(document: dict) -> str | bytes:
    """A document as stored and sent. On SQLite, its UTF-8 bytes: the database keeps them as
    they are, and reads hand them back as they are sent, with no text to convert either way.
    On PostgreSQL, its text (the column is `text` there)."""
    if isinstance(db.obj, PostgresqlDatabase):
        return compact_json(document)
    return compact_json_bytes(document)


def refresh(ids) -> None:
    """Re-render and store the documents of these meetings (after a write changed them)."""
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        rendered = render(ids[start : start + CHUNK])
        values = [(encode(d), mid) for mid, d in rendered.items()]
        cursor = db.obj.cursor()
        sql = f'UPDATE "meeting" SET "document" = {db.obj.param} WHERE "id" = {db.obj.param}'
        if isinstance(db.obj, PostgresqlDatabase):
            from psycopg2.extras import execute_batch

            execute_batch(cursor, sql, values, page_size=CHUNK)
        else:
            cursor.executemany(sql, values)


def stored(ids: list[str]) -> dict[str, str | bytes]:
    """These meetings' documents as stored: JSON text, or on SQLite its UTF-8 bytes (text where
    an earlier version wrote it)."""
    return dict(_rows('SELECT "id", "document" FROM "meeting" WHERE "id" IN ({ids})', ids))
