"""Exact list totals, counted once per state of the data.

Counting every match of a broad filter costs far more than fetching a page of it. The change
log's last `seq` moves with every write, so a total counted at that seq is exact until it
moves: each worker keeps the totals it counted, keyed by filters, and counts again only when
the data changed.
"""

from collections import OrderedDict
from contextlib import suppress

from .db import db

SIZE = 2048
_cache: OrderedDict = OrderedDict()


def data_version() -> int:
    """The change log's last seq: one index look-up."""
    return db.obj.execute_sql('SELECT MAX("seq") FROM "change"').fetchone()[0] or 0


def _key(filters: dict) -> tuple:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else str(v)) for k, v in filters.items())
    )


def total(count, filters: dict, version: int | None = None) -> int:
    """`count()`, from this worker's cache while the data has not changed. A caller counting
    several things for one request passes the `data_version()` it read once."""
    key = (db.obj.database, _key(filters))
    version = data_version() if version is None else version
    cached = _cache.get(key)
    # A worker's threads share the cache: another may let a key go between two steps here.
    if cached is not None and cached[0] == version:
        with suppress(KeyError):
            _cache.move_to_end(key)
        return cached[1]
    number = count()
    _cache[key] = (version, number)
    with suppress(KeyError):
        _cache.move_to_end(key)
    while len(_cache) > SIZE:
        _cache.popitem(last=False)
    return number
