"""Pages of a search in order of relevance (`sort=relevance`): bm25 on SQLite, `ts_rank_cd` on
PostgreSQL, ties broken by date (newest first) and id, so that cursors stay put.

Each engine scores a meeting's title and topics above its other words: FTS5's bm25 weighs the
`search_title` column five times the rest; PostgreSQL's vector marks them A and the rest D
(migration 0013), which `ts_rank_cd` weighs 1.0 and 0.1. A score is kept smaller-is-better on
both (PostgreSQL's is negated), so that one keyset serves both."""

import datetime as dt
import math

from api.db import db
from api.queries.filters import conditions, is_postgres
from api.queries.items import PageRow, document_column
from api.queries.search import ROWID_BITS
from api.queries.websearch import fts5, parse, postgresql

TITLE_WEIGHT = 5.0  # bm25's weight of the title and topics, the other words weighing 1


def rankable(args: dict) -> bool:
    """Whether `q` asks for words to score: a query of exclusions alone has none."""
    query = parse(args["q"])
    return any(query.positive) and (is_postgres() or fts5(query).match is not None)


def ranked_rows(
    args: dict, values, *, forward: bool, after: list | None, limit: int
) -> list[PageRow]:
    """Up to `limit` meetings matching `args` (`values`: its value filters), best first going
    `forward`, or back from the `after` keys [score, date, id]; each row with its score."""
    mark = db.obj.param
    others = {name: value for name, value in args.items() if name != "q"}
    where, params = conditions(others, list(values), walk=False)
    if is_postgres():
        # As double precision, so that a cursor's score (a double in Python) is compared as
        # it was read: `real` compared with a number literal reads as decimal.
        score = "CAST(-ts_rank_cd(m.search_vector, asked) AS DOUBLE PRECISION)"
        source = f"\"meeting\" m, websearch_to_tsquery('english', {mark}) asked"
        where = ["m.search_vector @@ asked", *where]
        params = [postgresql(parse(args["q"])), *params]
    else:
        score = f"bm25(meeting_fts, {TITLE_WEIGHT}, 1.0)"
        source = f'meeting_fts f CROSS JOIN "meeting" m ON m.rowid = f.rowid & {ROWID_BITS}'
        where = [f"meeting_fts MATCH {mark}", *where]
        params = [fts5(parse(args["q"])).match, *params]
    # Scores and keys first; only the page's documents are read, by row.
    row = 'm."id"' if is_postgres() else "m.rowid"
    inner = (
        f'SELECT {row} AS found, m."id" AS id, m."date_first" AS date_first, {score} AS score '
        f"FROM {source} WHERE " + " AND ".join(where)
    )
    outer, keys = "", []
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
    sql = (
        f"SELECT page.id, page.date_first, {document_column()}, page.score FROM ({page}) page "
        f'JOIN "meeting" m ON {row} = page.found ORDER BY {_order("page.", forward)}'
    )
    return [PageRow(*found) for found in db.obj.execute_sql(sql, params + keys)]


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
        return (
            math.isfinite(float(score))
            and isinstance(meeting_id, str)
            and bool(dt.date.fromisoformat(day))
        )
    except (TypeError, ValueError):
        return False
