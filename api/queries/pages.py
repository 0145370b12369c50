"""Pages of the meetings list, planned from exact totals: the one reader behind JSON pages
and streamed feeds.

A page is read in list order (first day, then id) and stops at its end. The plan says where
it reads: the index range of the value filter with the fewest meetings (a country, a pair of
countries, a person, a topic, a type, format, status or place), SQLite's search index (its
order is date order) when the words have fewer, or the meetings' date index, checking the
other filters row by row; or, when the matches are too rare for that, every
match read from the filters' own indexes and sorted.
"""

from collections.abc import Callable
from dataclasses import dataclass

from api.db import db
from api.queries import ranked
from api.queries.filters import (
    ONE_ROW_A_MEETING,
    Match,
    conditions,
    count,
    is_day,
    is_postgres,
    matches,
    value_rows,
)
from api.queries.items import PageRow, document_column
from api.queries.search import search_page, searchable_by_date
from api.queries.totals import counted, data_version

# Reading rows in date order until a page is full may visit at most about this many rows.
WALK_LIMIT = 20_000


@dataclass(frozen=True)
class Plan:
    """How a list's pages are read: its exact `total`, whether to `walk` an index in date order,
    the value filter whose index the walk reads (`driver`; None for the date index), the
    state of the data it was made for (`version`), the value filters (`matches`), and whether
    the walk reads SQLite's search index instead (`search`)."""

    total: int
    walk: bool
    driver: Match | None
    version: int
    values: tuple[Match, ...] = ()
    search: bool = False


def walk_dates(found: int, walked: int) -> bool:
    """Walking rows in date order (all meetings, or one value's) visits about
    21 * walked / found rows to fill a page. Walk unless that is a great many (the matches are
    rare): then reading the matches from the filters' own indexes and sorting them is cheaper."""
    return 21 * walked <= WALK_LIMIT * max(found, 1)


def plan(args: dict) -> Plan:
    """The plan for `args`; every count comes from the count cache."""
    version = data_version()
    values = tuple(matches(args, version))

    def count_all() -> int:
        if len(values) == len(args) == 1 and values[0].name in ONE_ROW_A_MEETING:
            return value_rows(values[0])  # its rows are its meetings, one each
        return count(args, values)

    total = counted(count_all, {"meetings": 1, **args}, version)
    sizes = {
        match: counted(
            lambda match=match: value_rows(match), {"rows": match.name, "v": match.values}, version
        )
        for match in values
    }
    if searchable_by_date(args):
        # The words' own matches, in date order, when no value filter has fewer rows.
        words = counted(lambda: count({"q": args["q"]}), {"meetings": 1, "q": args["q"]}, version)
        if all(words <= size for size in sizes.values()):
            return Plan(total, walk_dates(total, words), None, version, values, search=True)
    if not values:
        everything = counted(lambda: count({}), {"meetings": 1}, version)
        return Plan(total, walk_dates(total, everything), None, version, values)
    driver = min(values, key=sizes.__getitem__)
    return Plan(total, walk_dates(total, sizes[driver]), driver, version, values)


@dataclass(frozen=True)
class Order:
    """How a list in one sort order is read: `read(forward, after, limit)` gives its rows in
    walking order after the key values `after`, `key(row)` gives a row's key values, `is_key`
    checks a cursor's, and `width` is how many there are."""

    read: Callable[[bool, list | None, int], list[PageRow]]
    key: Callable[[PageRow], list[str]]
    is_key: Callable[[list], bool]
    width: int


def order(args: dict, plan: Plan, sort: str) -> Order:
    """The reader of `args`'s list in `sort` order (`date`, `-date` or `relevance`). A search
    that asks only to leave words out has nothing to score: it comes newest first."""
    if sort == "relevance" and ranked.rankable(args):

        def read_ranked(forward: bool, after: list | None, limit: int) -> list[PageRow]:
            if not plan.total:
                return []
            shape = {"forward": forward, "after": after, "limit": limit}
            kept = {"version": plan.version, "total": plan.total}
            return ranked.ranked_rows(args, plan.values, **shape, **kept)

        return Order(read_ranked, ranked.key, ranked.is_key, 3)
    descending = sort != "date"

    def read(forward: bool, after: list | None, limit: int) -> list[PageRow]:
        shape = {"forward": forward, "after": after, "limit": limit}
        return page_rows(args, plan, descending=descending, **shape)

    return Order(read, key, is_key, 2)


def page_rows(
    args: dict, plan: Plan, *, descending: bool, forward: bool, after: list | None, limit: int
) -> list[PageRow]:
    """Up to `limit` meetings matching `args`, in walking order: by date (descending or not)
    then id, going `forward` or back from the `after` keys [date, id]."""
    shape = {"descending": descending, "forward": forward, "after": after, "limit": limit}
    if not plan.total:
        return []
    if plan.search and plan.walk:
        others = {name: value for name, value in args.items() if name != "q"}
        where = conditions(others, list(plan.values), walk=True)
        return search_page(args, where=where, **shape)
    return [PageRow(*row) for row in db.obj.execute_sql(*_page_sql(args, plan, **shape))]


def _page_sql(args: dict, plan: Plan, *, descending, forward, after, limit) -> tuple[str, list]:
    mark, pg = db.obj.param, is_postgres()
    others, driver = list(plan.values), plan.driver if plan.walk else None
    source, date, key = '"meeting" m', 'm."date_first"', 'm."id"'
    where, params = [], []
    if driver is not None:
        others.remove(driver)
        if driver.on_meeting:
            source += "" if pg else f' INDEXED BY "{driver.index}"'
            sql, params = driver.sql("m.")
        else:
            # The value's rows drive the walk: SQLite's CROSS JOIN keeps them the outer loop.
            source = f'"{driver.table}" d CROSS JOIN "meeting" m'
            date, key = 'd."date_first"', 'd."meeting_id"'
            sql, params = driver.sql("d.")
            sql += f' AND m."id" = {key}'
        where.append(sql)
    elif plan.walk and not pg:
        source += ' INDEXED BY "meeting_date_first_id"'
    found, values = conditions(args, others, walk=plan.walk, key=key, date=date)
    where, params = where + found, params + values
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
        f'SELECT m."id", m."date_first", {document_column()} FROM {source}'
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {date} {order}, {key} {'ASC' if forward else 'DESC'} LIMIT {int(limit)}"
    )
    return sql, params


def key(row: PageRow) -> list[str]:
    """A page row's keyset position: its first day and id."""
    return [str(row.date_first), row.id]


def is_key(values: list) -> bool:
    """Whether a cursor's key values are a day and an id, as `key` makes them."""
    day, meeting_id = values
    return isinstance(meeting_id, str) and is_day(day)
