"""Pages of a search in order of relevance (`sort=relevance`): bm25 on SQLite, `ts_rank_cd` on
PostgreSQL, ties broken by date (newest first) and id, so that cursors stay put.

Each engine scores a meeting's title and topics above its other words: FTS5's bm25 weighs the
`search_title` column five times the rest; PostgreSQL's vector marks them A and the rest D
(migration 0013), which `ts_rank_cd` weighs 1.0 and 0.1. A score is kept smaller-is-better on
both (PostgreSQL's is negated), so that one keyset serves both."""

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from typing import NamedTuple

from api.common.memo import Memo
from api.db import db
from api.queries.filters import conditions, is_day, is_postgres
from api.queries.items import PageRow, document_column
from api.queries.search import ROWID_BITS
from api.queries.totals import key as _key
from api.queries.websearch import fts5, parse, postgresql

TITLE_WEIGHT = 5.0  # bm25's weight of the title and topics, the other words weighing 1
MOST_KEPT = 20_000  # the best matches of a search whose ranking a worker keeps
RANKINGS = Memo(16)  # at most 16 rankings of 20,000 matches: under 40 MB a worker


def rankable(args: dict) -> bool:
    """Whether `q` asks for words to score: a query of exclusions alone has none."""
    query = parse(args["q"])
    return any(query.positive) and (is_postgres() or fts5(query).match is not None)


def ranked_rows(
    args: dict,
    values,
    *,
    forward: bool,
    after: list | None,
    limit: int,
    version: int | None = None,
    total: int | None = None,
) -> list[PageRow]:
    """Up to `limit` meetings matching `args` (`values`: its value filters), best first going
    `forward`, or back from the `after` keys [score, date, id]; each row with its score.

    Scoring reads every match, so the order of a search's best `MOST_KEPT` matches (all of
    them, if fewer) is kept for the state of the data it was scored in (`version`), as totals
    are: its pages and the same search again read only their own rows. Only a page beyond the
    kept best is ranked by the database again."""
    if version is not None and total is not None:
        key = (db.obj.database, _key(args))
        order = RANKINGS.get(key, lambda: _ranking(args, values), version)
        complete = total <= len(order)
        page = _slice(order, complete=complete, forward=forward, after=after, limit=limit)
        if page is not None:
            return _documents(page)
    inner, params = _scored(args, values)
    mark, outer, keys = db.obj.param, "", []
    if after is not None:
        # Later rows: a worse score, or the same score and an older date, or the same date
        # and a later id (going back, the other way round).
        worse, older, later = (">", "<", ">") if forward else ("<", ">", "<")
        number = f"CAST({mark} AS DOUBLE PRECISION)"
        outer = (
            f" WHERE score {worse} {number} OR (score = {number} AND (date_first {older} {mark} "
            f"OR (date_first = {mark} AND id {later} {mark})))"
        )
        keys = [float(after[0]), float(after[0]), after[1], after[1], after[2]]
    page = (
        f"SELECT found, id, date_first, score FROM ({inner}) ranked{outer} "
        f"ORDER BY {_order('', forward)} LIMIT {int(limit)}"
    )
    row = _row()
    sql = (
        f"SELECT page.id, page.date_first, {document_column()}, page.score FROM ({page}) page "
        f'JOIN "meeting" m ON {row} = page.found ORDER BY {_order("page.", forward)}'
    )
    return [PageRow(*found) for found in db.obj.execute_sql(sql, params + keys)]


def _row() -> str:
    return 'm."id"' if is_postgres() else "m.rowid"


def _scored(args: dict, values) -> tuple[str, list]:
    """SQL of every match's row, id, first day and score, and its parameters."""
    mark = db.obj.param
    others = {name: value for name, value in args.items() if name != "q"}
    where, params = conditions(others, list(values), walk=False)
    if is_postgres():
        # As double precision, so that a cursor's score (a double in Python) is compared as
        # it was read: `real` compared with a number literal reads as decimal.
        score = "CAST(-ts_rank_cd(m.search_vector, q.asked) AS DOUBLE PRECISION)"
        asked, terms = postgresql(parse(args["q"]), mark)
        source = f'"meeting" m, (SELECT {asked} AS asked) AS q'
        where = ["m.search_vector @@ q.asked", *where]
        params = [*terms, *params]
    else:
        score = f"bm25(meeting_fts, {TITLE_WEIGHT}, 1.0)"
        source = f'meeting_fts f CROSS JOIN "meeting" m ON m.rowid = f.rowid & {ROWID_BITS}'
        where = [f"meeting_fts MATCH {mark}", *where]
        params = [fts5(parse(args["q"])).match, *params]
    sql = (
        f'SELECT {_row()} AS found, m."id" AS id, m."date_first" AS date_first, {score} AS score '
        f"FROM {source} WHERE " + " AND ".join(where)
    )
    return sql, params


class Ranked(NamedTuple):
    """A match's place in a ranking: best first, then newest, then by id."""

    score: float
    newest: int  # minus the first day's ordinal
    id: str


def _ranking(args: dict, values) -> list[Ranked]:
    """The best MOST_KEPT matches, best first (ids in code point order, as Python's)."""
    sql, params = _scored(args, values)
    by_id = 'id COLLATE "C"' if is_postgres() else "id"
    sql += f" ORDER BY score, date_first DESC, {by_id} LIMIT {int(MOST_KEPT)}"
    day = dt.date.fromisoformat
    return sorted(
        Ranked(score, -day(str(first)).toordinal(), mid)
        for _, mid, first, score in db.obj.execute_sql(sql, params)
    )


def _slice(
    order: list[Ranked], *, complete: bool, forward: bool, after: list | None, limit: int
) -> list | None:
    """The page of a kept ranking after (or, going back, before) the cursor's keys, in
    walking order; None where the page reaches past the kept best of a longer ranking (not
    `complete`)."""
    at = None
    if after is not None:
        at = Ranked(float(after[0]), -dt.date.fromisoformat(after[1]).toordinal(), after[2])
    if forward:
        start = 0 if at is None else bisect_right(order, at)
        if not complete and start + limit > len(order):
            return None
        return order[start : start + limit]
    if not complete and (at is None or not order or at > order[-1]):
        return None
    end = len(order) if at is None else bisect_left(order, at)
    return order[max(0, end - limit) : end][::-1]


def _documents(page: list[Ranked]) -> list[PageRow]:
    """The page's rows, with their documents, in the page's order."""
    if not page:
        return []
    marks = ", ".join([db.obj.param] * len(page))
    sql = (
        f'SELECT m."id", m."date_first", {document_column()} FROM "meeting" m '
        f'WHERE m."id" IN ({marks})'
    )
    found = {row[0]: row for row in db.obj.execute_sql(sql, [r.id for r in page])}
    return [PageRow(*found[r.id], r.score) for r in page if r.id in found]


def _order(table: str, forward: bool) -> str:
    """Best first (going back, worst first): by score, then newest, then by id."""
    first, newest, by_id = ("ASC", "DESC", "ASC") if forward else ("DESC", "ASC", "DESC")
    return f"{table}score {first}, {table}date_first {newest}, {table}id {by_id}"


def key(row: PageRow) -> list[str]:
    """A ranked row's keyset position: its score, first day and id."""
    return [repr(row.score), str(row.date_first), row.id]


def is_key(values: list) -> bool:
    """Whether a cursor's key values are a score, a day and an id, as `key` makes them."""
    score, day, meeting_id = values
    try:
        return math.isfinite(float(score)) and isinstance(meeting_id, str) and is_day(day)
    except (TypeError, ValueError):
        return False
