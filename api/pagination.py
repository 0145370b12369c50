"""Keyset pagination with opaque cursors, and the `{data, links, meta}` list document."""

import base64
import binascii
import json
from urllib.parse import urlencode

from flask import request
from flask_smorest import abort

from . import counts


def _encode(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str, width: int) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (
            isinstance(state, dict)
            and state.get("d") in ("next", "prev")
            and state.get("s") == sort
            and isinstance(state.get("k"), list)
            and len(state["k"]) == width
            and all(isinstance(v, str | int) for v in state["k"])
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        abort(
            422,
            message="Invalid query parameter: cursor.",
            errors={
                "cursor": [
                    "Not a cursor from this list with this sort order; "
                    "follow the `next` or `prev` link as given."
                ]
            },
        )
    return state


def after(keys, values, forward: bool):
    """Rows strictly after (or, going back, before) the row with these key values."""
    condition = None
    for i in range(len(keys) - 1, -1, -1):
        column, descending = keys[i]
        later = (column < values[i]) if descending == forward else (column > values[i])
        condition = later if condition is None else (later | ((column == values[i]) & condition))
    return condition


def page_url(**replace) -> str:
    """This request's URL with some query parameters replaced (None drops one)."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in replace]
    pairs += [(k, v) for k, v in replace.items() if v is not None]
    return request.base_url + ("?" + urlencode(pairs) if pairs else "")


def paginate(
    query,
    *,
    keys,
    key_of,
    limit: int,
    cursor: str | None,
    sort: str = "",
    filters: dict | None = None,
    count_query=None,
    total: int | None = None,
):
    """One page of `query` ordered by `keys` [(column, descending)], and its links and total.

    `key_of(row)` gives a row's key values, as JSON-friendly strings or numbers. `filters`
    (what the query selects on) lets the total come from the count cache; `count_query`, if
    given, is the same selection in a shape that counts faster; or `total`, already counted.
    """
    forward, values = True, None
    if cursor:
        state = _decode(cursor, sort, len(keys))
        forward, values = state["d"] == "next", state["k"]
    if total is None:
        count_query = query if count_query is None else count_query
        total = count_query.count() if filters is None else counts.total(count_query, filters)
    order = [c.desc() if desc == forward else c.asc() for c, desc in keys]
    if values is not None:
        query = query.where(after(keys, values, forward))
    rows = list(query.order_by(*order).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    has_next = more if forward else values is not None
    has_prev = (values is not None) if forward else more
    links = {
        "self": page_url(),
        "next": page_url(cursor=_encode({"d": "next", "s": sort, "k": key_of(rows[-1])}))
        if rows and has_next
        else None,
        "prev": page_url(cursor=_encode({"d": "prev", "s": sort, "k": key_of(rows[0])}))
        if rows and has_prev
        else None,
    }
    return rows, links, total


def listing(data: list, links: dict, total: int, **meta):
    """A list answer: `{data, links, meta}` and the same links in an RFC 8288 Link header."""
    return {"data": data, "links": links, "meta": {"total": total, **meta}}, 200, link_header(links)


def link_header(links: dict) -> dict:
    parts = [f'<{links[rel]}>; rel="{rel}"' for rel in ("next", "prev") if links.get(rel)]
    return {"Link": ", ".join(parts)} if parts else {}


def paginate_items(items: list, *, key_of, limit: int, cursor: str | None, sort: str = ""):
    """`paginate` for a short list already in memory and sorted by `key_of`."""
    keys = [key_of(item) for item in items]
    start, end = 0, limit
    if cursor:
        state = _decode(cursor, sort, len(keys[0]) if keys else 1)
        if state["d"] == "next":
            start = next((i for i, k in enumerate(keys) if k > state["k"]), len(items))
            end = start + limit
        else:
            end = next((i for i, k in enumerate(keys) if k >= state["k"]), len(items))
            start = max(end - limit, 0)
    page = items[start:end]
    links = {
        "self": page_url(),
        "next": page_url(cursor=_encode({"d": "next", "s": sort, "k": keys[end - 1]}))
        if page and end < len(items)
        else None,
        "prev": page_url(cursor=_encode({"d": "prev", "s": sort, "k": keys[start]}))
        if page and start > 0
        else None,
    }
    return page, links, len(items)
