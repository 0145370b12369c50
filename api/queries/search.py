"""Search: `q` through the engine's own index (FTS5 on SQLite, a tsvector on PostgreSQL),
and pages read off SQLite's search index in date order."""

import datetime as dt

from peewee import PostgresqlDatabase

from api.db import db
from api.queries.items import PageRow, document_column
from api.queries.websearch import fts5, parse, postgresql

# A record's date covers at most a year, so its first day is within a year of its last.
LONGEST_DATE = dt.timedelta(days=366)


def earliest_start(day: dt.date) -> dt.date:
    """The earliest first day of a meeting that can still be going on at `day`."""
    return day - LONGEST_DATE if day - dt.date.min > LONGEST_DATE else dt.date.min


def text_search(q: str, table: str, walk_dates: bool = False) -> tuple[str, list]:
    """SQL for meetings that `q` finds (`websearch.parse`), through the engine's own index:
    FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL. `table` qualifies the meeting
    table's columns ("m." or "").

    SQLite either sorts every match by date, or walks the date index checking each meeting
    against the matches; `walk_dates` asks for the walk (the `+` keeps the planner from driving
    the query by rowid), which wins when matches are many."""
    query, param = parse(q), db.obj.param
    if isinstance(db.obj, PostgresqlDatabase):
        if not query.groups:
            return "1 = 0", []
        asked, params = postgresql(query, param)
        if walk_dates:  # the function behind @@: the same test, but its index out of reach,
            # so that the walk checks each row it reads rather than reading every match
            return f"ts_match_vq({table}search_vector, {asked})", params
        return f"{table}search_vector @@ ({asked})", params
    fts = fts5(query)
    if fts.empty:
        return "1 = 0", []
    column = f"{'+' if walk_dates else ''}{table}rowid"
    found = f"(SELECT rowid & {ROWID_BITS} FROM meeting_fts WHERE meeting_fts MATCH {param})"
    if fts.match is None:  # only exclusions: every meeting but those holding them
        return f"{column} NOT IN {found}", [fts.excluded]
    return f"{column} IN {found}", [fts.match]


# SQLite's search index numbers a meeting `julianday(date_first) << 32 | rowid` (migration
# 0006): its own order is date order.
ROWID_BITS = 0xFFFF_FFFF
# CAST(julianday(day) AS INTEGER) - day.toordinal(), for every day from 0001-01-01 on
_JULIAN_OFFSET = 1_721_424


def _day_key(day: dt.date) -> int:
    """The smallest search key of a meeting whose first day is `day`."""
    return (day.toordinal() + _JULIAN_OFFSET) << 32


def _day_after(day: dt.date) -> int:
    """The smallest search key of the day after `day` (9999-12-31 has one too)."""
    return _day_key(day) + (1 << 32)


def searchable_by_date(args: dict) -> bool:
    """Whether pages of these filters can be read off SQLite's search index in date order:
    they have words to find."""
    return (
        "q" in args
        and not isinstance(db.obj, PostgresqlDatabase)
        and fts5(parse(args["q"])).match is not None
    )


def search_page(
    args: dict,
    *,
    descending: bool,
    forward: bool,
    after: list | None,
    limit: int,
    where: tuple[list[str], list] = ([], []),
) -> list[PageRow]:
    """`pages.page_rows` for `searchable_by_date` filters: the first `limit` matches in page
    order (date, then id), read from the search index in date order, each meeting checked
    against the other filters' conditions (`where`: SQL on meeting `m`, and its parameters).

    The index orders meetings of the same day by rowid, not id, so only days read whole are
    sorted into the page: rows are read in index order until the days before the last one
    read hold the page (or there are no more)."""
    mark = db.obj.param
    down = descending == forward  # dates run from later to earlier in walking order
    # The index's rows drive the query (CROSS JOIN), each meeting read by its rowid.
    sql = (
        f'SELECT m."id", m."date_first", {document_column()}, f.rowid FROM meeting_fts f '
        f"CROSS JOIN meeting m WHERE m.rowid = f.rowid & {ROWID_BITS} "
        f"AND meeting_fts MATCH {mark}"
    )
    params = [fts5(parse(args["q"])).match]
    if where[0]:
        sql += " AND " + " AND ".join(where[0])
        params += where[1]
    if "date_from" in args:  # the first day's bound, as the date index has it
        sql += f" AND f.rowid >= {mark}"
        params.append(_day_key(earliest_start(args["date_from"].first_day)))
    if "date_to" in args:
        sql += f" AND f.rowid < {mark}"
        params.append(_day_after(args["date_to"].last_day))
    if after is not None:
        # From the cursor's own day, whole: its rows after the cursor's id come first.
        day = dt.date.fromisoformat(after[0])
        bound = _day_after(day) if down else _day_key(day)
        sql += f" AND f.rowid {'<' if down else '>='} {mark}"
        params.append(bound)
    sql += f" ORDER BY f.rowid {'DESC' if down else 'ASC'} LIMIT {mark}"
    count = 2 * limit
    while True:
        found = db.obj.execute_sql(sql, [*params, count]).fetchall()
        read_all = len(found) < count
        if not read_all:
            # The last day read may have more rows further on: leave it out.
            last_day = found[-1][3] >> 32
            found = [row for row in found if row[3] >> 32 != last_day]
        rows = [PageRow(*row[:3]) for row in found]
        if after is not None:
            cursor_day, cursor_id = after
            rows = [
                row
                for row in rows
                if str(row.date_first) != cursor_day
                or (row.id > cursor_id if forward else row.id < cursor_id)
            ]
        if read_all or len(rows) >= limit:
            break
        count *= 4
    rows.sort(key=lambda row: row.id, reverse=not forward)
    rows.sort(key=lambda row: str(row.date_first), reverse=down)
    return rows[:limit]
