"""Reading meetings: filters, and whole documents for a page in a fixed number of queries."""

import datetime as dt
import json
import re
from collections import defaultdict

from peewee import SQL, PostgresqlDatabase, fn

from . import counts
from .aliases import target as alias_target
from .db import db
from .documents import render
from .models import (
    Meeting,
    MeetingTopic,
    Participant,
    Party,
    PartyPair,
    Person,
    Relation,
    Source,
)

# A record's date covers at most a year, so its first day is within a year of its last.
LONGEST_DATE = dt.timedelta(days=366)


def earliest_start(day: dt.date) -> dt.date:
    """The earliest first day of a meeting that can still be going on at `day`."""
    return day - LONGEST_DATE if day - dt.date.min > LONGEST_DATE else dt.date.min


# Filters that match child rows: (table, columns). Each table keeps its meeting's first day,
# indexed after the columns, so one value's meetings can be read in date order. Two countries
# are one filter, `countries`, on the table of party pairs: (country, other).
CHILD_FILTERS = {
    "country": ("party", ("country",)),
    "countries": ("party_pair", ("country", "other")),
    "person": ("participant", ("person_id",)),
    "topic": ("meeting_topic", ("topic",)),
}
CHILD_MODELS = {
    "country": (Party.country,),
    "countries": (PartyPair.country, PartyPair.other),
    "person": (Participant.person,),
    "topic": (MeetingTopic.topic,),
}
SCALAR_FILTERS = ("type", "format", "status", "location_country")


def child_filters(args: dict) -> list[tuple[str, str | tuple]]:
    """The filters that match child rows, as (name, value): the first two countries as one
    pair, each further country, the person, the topic."""
    codes = list(dict.fromkeys(args.get("country") or []))
    pairs = [("countries", (codes[0], codes[1]))] if len(codes) > 1 else []
    pairs += [("country", code) for code in codes[2 * bool(pairs) :]]
    if "person" in args:  # a renamed person's old id keeps finding their meetings
        pairs.append(("person", alias_target("person", args["person"]) or args["person"]))
    return pairs + [("topic", args["topic"])] if "topic" in args else pairs


def _values(name: str, value) -> list:
    return list(value) if name == "countries" else [value]


def child_match(name: str, value, alias: str = "") -> tuple[str, list]:
    """SQL matching a child filter's rows (columns qualified by `alias`, "d." or ""), and
    its parameters."""
    _, columns = CHILD_FILTERS[name]
    sql = " AND ".join(f'{alias}"{column}" = {db.obj.param}' for column in columns)
    return sql, _values(name, value)


def child_rows(name: str, value) -> int:
    """How many rows of its table a child filter's value has (an index range counted)."""
    table, _ = CHILD_FILTERS[name]
    sql, params = child_match(name, value)
    return db.obj.execute_sql(f'SELECT COUNT(*) FROM "{table}" WHERE {sql}', params).fetchone()[0]


def filter_meetings(args: dict):
    """The meetings query for the list endpoint's filters (sorting and paging apart), driven
    by the filters' own indexes: what counts and streams use. Pages use `page_rows`."""
    query = Meeting.select()
    for name, value in child_filters(args):
        columns = CHILD_MODELS[name]
        child = columns[0].model
        matches = [column == v for column, v in zip(columns, _values(name, value), strict=True)]
        query = query.where(Meeting.id.in_(child.select(child.meeting).where(*matches)))
    # A partial date is a range of days: it matches when the two ranges overlap. The bound on
    # date_first changes no result; it lets the date index serve both the range and the order.
    if "date_from" in args:
        first = args["date_from"].first_day
        query = query.where(
            (Meeting.date_last >= first) & (Meeting.date_first >= earliest_start(first))
        )
    if "date_to" in args:
        query = query.where(Meeting.date_first <= args["date_to"].last_day)
    for name in SCALAR_FILTERS:
        if name in args:
            query = query.where(getattr(Meeting, name) == args[name])
    if "updated_since" in args:
        query = query.where(Meeting.updated_at >= _utc_naive(args["updated_since"]))
    if "q" in args:
        sql, params = text_search(args["q"], "")
        query = query.where(SQL(sql, params))
    return query


def _utc_naive(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(dt.UTC).replace(tzinfo=None)


def text_search(q: str, table: str, walk_dates: bool = False) -> tuple[str, list]:
    """SQL for meetings holding every word of `q` (as a word or the start of one), found
    through the engine's own index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.
    `table` qualifies the meeting table's columns ("m." or "").

    SQLite either sorts every match by date, or walks the date index checking each meeting
    against the matches; `walk_dates` asks for the walk (the `+` keeps the planner from driving
    the query by rowid), which wins when matches are many."""
    words = re.findall(r"\w+", q.lower())
    if not words:
        return "1 = 0", []
    param = db.obj.param
    if isinstance(db.obj, PostgresqlDatabase):
        terms = " & ".join(f"{w}:*" for w in words)
        return f"{table}search_vector @@ to_tsquery('simple', {param})", [terms]
    column = f"{'+' if walk_dates else ''}{table}rowid"
    return (
        f"{column} IN (SELECT rowid & {ROWID_BITS} FROM meeting_fts "
        f"WHERE meeting_fts MATCH {param})",
        [_fts_terms(words)],
    )


def _fts_terms(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


# A prefix expanded to at most this many words of the index is searched as those words.
MOST_WORDS_A_PREFIX = 16
_PLAIN_WORD = re.compile(r"[a-z0-9]+")


def _fts_words(words: list[str], version: int) -> str | None:
    """`_fts_terms` as FTS5 reads it fastest: each word that is the start of only a few words
    of the index becomes those words (`"resilience"*` becomes `"resilience"`, or
    `("resilience" OR "resilient")`), or None when one is the start of none (nothing
    matches).

    FTS5 answers a prefix term by merging the document lists of all its words, whole, before
    it can give the first row; whole words it reads lazily, in rowid order, and stops at the
    page's end. The same matches, then, read as a page needs them. Which words a prefix
    starts is looked up in the index's vocabulary once per state of the data (`version`),
    and kept with the counts (`counts.total`).
    Words of other letters than a-z and digits stay prefixes, since the index folds
    diacritics and splits on some characters Python counts as word characters."""
    parts = []
    for word in words:
        found = None
        if _PLAIN_WORD.fullmatch(word):
            found = counts.total(lambda word=word: _starting(word), {"fts_words": word}, version)
        if found is None:
            parts.append(_fts_terms([word]))
        elif not found:
            return None
        else:
            parts.append("(" + " OR ".join(f'"{w}"' for w in found) + ")")
    return " AND ".join(parts)


def _starting(prefix: str) -> list[str] | None:
    """The words of SQLite's search index that start with `prefix` (letters a-z and digits),
    or None when there are more than `MOST_WORDS_A_PREFIX`."""
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.meeting_fts_words "
        "USING fts5vocab(main, 'meeting_fts', 'row')"
    )
    # Every word starting with the prefix sorts from it up to (not including) the prefix with
    # its last character one higher.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    found = [
        word
        for (word,) in db.execute_sql(
            "SELECT term FROM temp.meeting_fts_words WHERE term >= ? AND term < ? LIMIT ?",
            [prefix, upper, MOST_WORDS_A_PREFIX + 1],
        )
    ]
    return None if len(found) > MOST_WORDS_A_PREFIX else found


# SQLite's search index numbers a meeting `julianday(date_first) << 32 | rowid` (migration
# 0006): its own order is date order.
ROWID_BITS = 0xFFFF_FFFF
# CAST(julianday(day) AS INTEGER) - day.toordinal(), for every day from 0001-01-01 on
_JULIAN_OFFSET = 1_721_424


def _day_key(day: dt.date) -> int:
    """The smallest search key of a meeting whose first day is `day`."""
    return (day.toordinal() + _JULIAN_OFFSET) << 32


def searches_by_date(args: dict) -> bool:
    """Whether a page of these filters can be read off SQLite's search index in date order:
    words to find and nothing else but an upper date bound."""
    return (
        "q" in args
        and not isinstance(db.obj, PostgresqlDatabase)
        and set(args) <= {"q", "date_to"}
        and bool(re.search(r"\w", args["q"]))
    )


def search_page(
    args: dict,
    *,
    descending: bool,
    forward: bool,
    after: list | None,
    limit: int,
    version: int,
) -> list[tuple]:
    """`page_rows` for `searches_by_date` filters: the first `limit` matches in page order
    (date, then id), read from the search index in date order. `version` is the state of the
    data (`counts.data_version`).

    The index orders meetings of the same day by rowid, not id, so only days read whole are
    sorted into the page: rows are read in index order until the days before the last one
    read hold the page (or there are no more)."""
    mark = db.obj.param
    down = descending == forward  # dates run from later to earlier in walking order
    sql = f"SELECT rowid FROM meeting_fts WHERE meeting_fts MATCH {mark}"
    terms = _fts_words(re.findall(r"\w+", args["q"].lower()), version)
    if terms is None:
        return []
    params = [terms]
    if "date_to" in args:
        sql += f" AND rowid < {mark}"
        params.append(_day_key(args["date_to"].last_day + dt.timedelta(days=1)))
    if after is not None:
        # From the cursor's own day, whole: its rows after the cursor's id come first.
        day = dt.date.fromisoformat(after[0])
        bound = _day_key(day + dt.timedelta(days=1)) if down else _day_key(day)
        sql += f" AND rowid {'<' if down else '>='} {mark}"
        params.append(bound)
    sql += f" ORDER BY rowid {'DESC' if down else 'ASC'} LIMIT {mark}"
    count = 2 * limit
    while True:
        keys = [key for (key,) in db.obj.execute_sql(sql, [*params, count]).fetchall()]
        read_all = len(keys) < count
        if not read_all:
            # The last day read may have more rows further on: leave it out.
            last_day = keys[-1] >> 32
            keys = [key for key in keys if key >> 32 != last_day]
        rows = _meetings_by_rowid(key & ROWID_BITS for key in keys)
        if after is not None:
            cursor_day, cursor_id = after
            rows = [
                row
                for row in rows
                if str(row[1]) != cursor_day
                or (row[0] > cursor_id if forward else row[0] < cursor_id)
            ]
        if read_all or len(rows) >= limit:
            break
        count *= 4
    rows.sort(key=lambda row: row[0], reverse=not forward)
    rows.sort(key=lambda row: str(row[1]), reverse=down)
    return rows[:limit]


def _meetings_by_rowid(rowids) -> list[tuple]:
    rowids, rows = list(rowids), []
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        marks = ", ".join([db.obj.param] * len(chunk))
        rows += db.obj.execute_sql(
            f'SELECT "id", "date_first", {_document()} FROM "meeting" m WHERE rowid IN ({marks})',
            chunk,
        ).fetchall()
    return rows


def _document() -> str:
    """The stored document column. SQLite hands it over as the bytes it holds: no decoding it
    into text to encode it again for the response."""
    if isinstance(db.obj, PostgresqlDatabase):
        return 'm."document"'
    return 'CAST(m."document" AS BLOB)'


def stored_item(meeting_id: str) -> tuple | None:
    """A stored meeting's revision and document, as sent (bytes on SQLite), or None."""
    return db.execute_sql(
        f'SELECT m."revision", {_document()} FROM "meeting" m WHERE m."id" = {db.obj.param}',
        [meeting_id],
    ).fetchone()


def page_rows(
    args: dict,
    *,
    descending: bool,
    forward: bool,
    after: list | None,
    limit: int,
    walk: bool,
    driver: tuple[str, str] | None = None,
) -> list[tuple]:
    """One page of the meetings matching `args`, as (id, date_first, document) rows, ordered by
    date (descending or not) then id, starting after the `after` keys [date, id].

    Plain SQL built here: peewee would spend longer building the statement than the database
    spends running it. Two shapes select the same meetings:
    - `walk`: read meetings in date order and stop at the page's end. With a `driver` (one of
      the child filters), that value's own rows are read in date order from its index and the
      other filters are checked row by row; without one, the meetings' date index is walked.
    - otherwise: the filters' own indexes find every match, and the database sorts them: best
      when matches are rare.
    """
    pg = isinstance(db.obj, PostgresqlDatabase)
    mark = db.obj.param
    params, where = [], []
    children = child_filters(args)
    if walk and driver is not None:
        children.remove(driver)
        table, _ = CHILD_FILTERS[driver[0]]
        source = f'"{table}" d JOIN "meeting" m ON m."id" = d."meeting_id"'
        sql, values = child_match(*driver, "d.")
        where.append(sql)
        params += values
        date, key = 'd."date_first"', 'd."meeting_id"'
    else:
        source, date, key = '"meeting" m', 'm."date_first"', 'm."id"'
    for name, value in children:
        table, _ = CHILD_FILTERS[name]
        if walk:
            sql, values = child_match(name, value, "x.")
            where.append(
                f'EXISTS (SELECT 1 FROM "{table}" x WHERE x."meeting_id" = {key} AND {sql})'
            )
        else:
            sql, values = child_match(name, value)
            where.append(f'{key} IN (SELECT "meeting_id" FROM "{table}" WHERE {sql})')
        params += values
    day = (lambda d: d) if pg else (lambda d: d.isoformat())
    if "date_from" in args:
        first = args["date_from"].first_day
        where.append(f'm."date_last" >= {mark} AND {date} >= {mark}')
        params += [day(first), day(earliest_start(first))]
    if "date_to" in args:
        where.append(f"{date} <= {mark}")
        params.append(day(args["date_to"].last_day))
    for name in SCALAR_FILTERS:
        if name in args:
            where.append(f'm."{name}" = {mark}')
            params.append(args[name])
    if "updated_since" in args:
        since = _utc_naive(args["updated_since"])
        where.append(f'm."updated_at" >= {mark}')
        params.append(since if pg else str(since))
    if "q" in args:
        sql, terms = text_search(args["q"], "m.", walk_dates=walk)
        where.append(sql)
        params += terms
    # Later rows: by date first (a range on the index), then by id among the same date.
    first_later = "<" if descending == forward else ">"
    id_later = ">" if forward else "<"
    if after is not None:
        where.append(
            f"{date} {first_later}= {mark} AND ({date} {first_later} {mark} "
            f"OR {key} {id_later} {mark})"
        )
        params += [after[0], after[0], after[1]]
    order = "DESC" if descending == forward else "ASC"
    sql = (
        f'SELECT m."id", m."date_first", {_document()} FROM {source}'
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {date} {order}, {key} {'ASC' if forward else 'DESC'} LIMIT {int(limit)}"
    )
    return db.obj.execute_sql(sql, params).fetchall()


def stored_documents(meetings: list[Meeting]) -> list[dict]:
    """The documents these meetings keep (see api.documents): nothing to render."""
    return [json.loads(m.document) for m in meetings]


def meeting_documents(meetings: list[Meeting]) -> list[dict]:
    """Full documents for these meetings, rendered afresh (see api.documents)."""
    rendered = render([m.id for m in meetings])
    return [rendered[m.id] for m in meetings]


def meeting_counts(column, ids=None) -> dict:
    """How many meetings each value of a child table's column has (of `ids`, or all of them),
    counted once per state of the data: every country's or topic's count reads every row of
    its table. The dict is shared: read it, do not change it."""
    key = {"meeting_counts": f"{column.model._meta.table_name}.{column.name}"}
    if ids is not None:
        key["ids"] = sorted(ids)
    return counts.total(lambda: _meeting_counts(column, ids), key)


def _meeting_counts(column, ids=None) -> dict:
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
    person_fields = ("id", "name", "given_name", "family_name", "sort_name", "name_order")
    person_fields += ("country",)
    source_fields = ("id", "publisher", "title", "kind", "url", "published_at", "seed_file")
    source_fields += ("sha256",)
    # Aliases are the server's; a record with no evidence is written without any.
    server_owned = ("created_at", "updated_at", "revision", "starts_at", "aliases")
    return [
        {
            **{k: v for k, v in d.items() if k not in server_owned and (k != "evidence" or v)},
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
