"""The meetings list's filters, each described once and turned into SQL here, for pages,
counts and streams alike, on SQLite and PostgreSQL."""

import datetime as dt
from dataclasses import dataclass

from peewee import PostgresqlDatabase

from api.db import db
from api.models import FILTER_COLUMNS
from api.queries.search import earliest_start, text_search
from api.queries.totals import counted
from api.store.renames import target as alias_target

# Filters matching a value: (table, columns). Every such table keeps its meeting's first day
# and id indexed after the columns (migrations 0005, 0007, 0012), so one value's meetings are
# an index range in list order. Two countries are one filter, `countries`, on the table of
# party pairs: (country, other).
TABLES = {
    "country": ("party", ("country",)),
    "countries": ("party_pair", ("country", "other")),
    "person": ("participant", ("person_id",)),
    "topic": ("meeting_topic", ("topic",)),
    **{column: ("meeting", (column,)) for column in FILTER_COLUMNS},
}
# Filters whose table holds one row a meeting for each value (unique indexes, or the meeting).
ONE_ROW_A_MEETING = ("country", "countries", "topic", *FILTER_COLUMNS)


@dataclass(frozen=True)
class Match:
    """One filter matching a value: the rows of `table` whose `columns` hold `values`."""

    name: str
    values: tuple

    @property
    def table(self) -> str:
        return TABLES[self.name][0]

    @property
    def on_meeting(self) -> bool:
        """Whether the value is the meeting's own column, not a child table's."""
        return self.table == "meeting"

    def sql(self, alias: str = "", hidden: bool = False) -> tuple[str, list]:
        """SQL matching the rows (columns qualified by `alias`, "d." or ""), and its
        parameters. `hidden` keeps SQLite from reading them through the columns' index."""
        hide = "+" if hidden and not is_postgres() else ""
        columns = TABLES[self.name][1]
        sql = " AND ".join(f'{hide}{alias}"{column}" = {db.obj.param}' for column in columns)
        return sql, list(self.values)

    @property
    def index(self) -> str:
        """The index holding the value's meetings in list order, for a meeting column."""
        return f"meeting_{self.name}_date_first_id"


def is_day(value) -> bool:
    """Whether a cursor's key is a day as keys are written, YYYY-MM-DD: Python's
    `date.fromisoformat` also takes other ISO 8601 forms ("2024W011"), which databases don't."""
    if not (isinstance(value, str) and value.isascii() and len(value) == 10):
        return False
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def is_postgres() -> bool:
    return isinstance(db.obj, PostgresqlDatabase)


def matches(args: dict, version: int | None = None) -> list[Match]:
    """The filters matching a value: the first two countries as one pair, each further
    country, the person, the topic, then the meeting's own columns. With the state of the
    data (`version`), a person's renamed id is looked up once for it."""
    codes = list(dict.fromkeys(args.get("country") or []))
    found = [Match("countries", (codes[0], codes[1]))] if len(codes) > 1 else []
    found += [Match("country", (code,)) for code in codes[2 * bool(found) :]]
    if "person" in args:  # a renamed person's old id keeps finding their meetings
        person = args["person"]
        renamed = counted(lambda: alias_target("person", person), {"alias": person}, version)
        found.append(Match("person", (renamed or person,)))
    found += [Match("topic", (topic,)) for topic in dict.fromkeys(args.get("topic") or [])]
    return found + [Match(name, (args[name],)) for name in FILTER_COLUMNS if name in args]


def value_rows(match: Match) -> int:
    """How many rows of its table a value has (an index range counted)."""
    sql, params = match.sql()
    return db.obj.execute_sql(
        f'SELECT COUNT(*) FROM "{match.table}" WHERE {sql}', params
    ).fetchone()[0]


def conditions(
    args: dict,
    others: list[Match],
    *,
    walk: bool,
    key: str = 'm."id"',
    date: str = 'm."date_first"',
) -> tuple[list[str], list]:
    """The WHERE conditions of `args` but for the driving value (`others` are the remaining
    value filters), and their parameters. `key` and `date` name the meeting's id and first
    day as the driving table has them. When the page `walk`s an index in date order, the
    others are checked row by row (EXISTS, and SQLite kept off their indexes); otherwise
    each is read from its own index."""
    pg, mark = is_postgres(), db.obj.param
    hide = "" if pg or not walk else "+"
    where, params = [], []
    for match in others:
        if match.on_meeting:
            sql, values = match.sql("m.", hidden=walk)
        elif walk:
            sql, values = match.sql("x.")
            sql = f'EXISTS (SELECT 1 FROM "{match.table}" x WHERE x."meeting_id" = {key} AND {sql})'
        else:
            sql, values = match.sql()
            sql = f'{key} IN (SELECT "meeting_id" FROM "{match.table}" WHERE {sql})'
        where.append(sql)
        params += values
    day = (lambda d: d) if pg else (lambda d: d.isoformat())
    # A partial date is a range of days: it matches when the two ranges overlap. The bound on
    # the first day changes no result; it lets the date index serve both range and order.
    if "date_from" in args:
        first = args["date_from"].first_day
        where.append(f'{hide}m."date_last" >= {mark} AND {date} >= {mark}')
        params += [day(first), day(earliest_start(first))]
    if "date_to" in args:
        where.append(f"{date} <= {mark}")
        params.append(day(args["date_to"].last_day))
    if "updated_since" in args:
        since = args["updated_since"].astimezone(dt.UTC).replace(tzinfo=None)
        where.append(f'{hide}m."updated_at" >= {mark}')
        params.append(since if pg else str(since))
    if "q" in args:
        sql, terms = text_search(args["q"], "m.", walk_dates=walk)
        where.append(sql)
        params += terms
    return where, params


def count(args: dict, values=None) -> int:
    """How many meetings match `args` (its value filters, `values`, when known), each filter
    read from its own index."""
    where, params = conditions(args, matches(args) if values is None else values, walk=False)
    sql = 'SELECT COUNT(*) FROM "meeting" m' + (" WHERE " + " AND ".join(where) if where else "")
    return db.obj.execute_sql(sql, params).fetchone()[0]


def includes(args: dict, meeting_id: str) -> bool:
    """Whether the meeting is one of those `args` match (a webhook's filter)."""
    where, params = conditions(args, matches(args), walk=False)
    sql = 'SELECT 1 FROM "meeting" m WHERE m."id" = ' + db.obj.param
    sql += "".join(f" AND {condition}" for condition in where)
    return db.obj.execute_sql(sql, [meeting_id, *params]).fetchone() is not None
