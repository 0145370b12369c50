"""Exact totals, counted once per state of the data.

Counting every match of a broad filter costs far more than fetching a page of it. The change
log's last `seq` moves with every write, so a total counted at that seq is exact until it
moves: each worker keeps the totals it counted, and counts again only when the data changed.
"""

from peewee import fn

from api.common.memo import Memo
from api.db import db

TOTALS = Memo(2048)


def data_version() -> int:
    """The change log's last seq: one index look-up."""
    return db.obj.execute_sql('SELECT MAX("seq") FROM "change"').fetchone()[0] or 0


def key(filters: dict) -> tuple:
    """Filters as a key of a cache: the same filters, however given, the same key."""
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else str(v)) for k, v in filters.items())
    )


def counted(count, filters: dict, version: int | None = None):
    """`count()`, from this worker's cache while the data has not changed. A caller counting
    several things for one request passes the `data_version()` it read once."""
    version = data_version() if version is None else version
    return TOTALS.get((db.obj.database, key(filters)), count, version)


def meeting_counts(column, ids=None) -> dict:
    """How many meetings each value of a child table's column has (of `ids`, or all of them),
    counted once per state of the data: every country's or topic's count reads every row of
    its table. The dict is shared: read it, do not change it."""
    table, name = column.model.__name__, column.name
    key = {"meeting_counts": f"{table}.{name}"}
    if ids is not None:
        key["ids"] = sorted(ids)
    return counted(lambda: _meeting_counts(column, ids), key)


def _meeting_counts(column, ids=None) -> dict:
    model = column.model
    query = model.select(column, fn.COUNT(model.meeting.distinct()).alias("n")).group_by(column)
    if ids is not None:
        query = query.where(column.in_(ids))
    return {row[0]: row[1] for row in query.tuples()}
