"""Keyset pagination with opaque cursors, and the `{data, links, meta}` list document.

Every list pages one way: `paginate` reads a page through a `read(forward, after, limit)`
of its own (SQL for the meetings, `from_query` for a peewee query, `from_items` for a short
list in memory) and gives it its links."""

import base64
import binascii
import hashlib
from urllib.parse import urlencode

import orjson
from flask import request
from flask_smorest import abort

from api.common import jsontext
from api.common.memo import Memo
from api.http.public_url import link_base, url_as_sent, without
from api.queries.totals import key


def list_digest(filters: dict | None) -> str | None:
    """A short digest of the list a view's `filters` (its arguments as it read them, but for
    the page's own) ask for, or None for a list that takes none. A cursor carries its list's,
    so that a cursor of one query given with another (another `q`, another filter) is
    refused, not read as a place in a list it is not from. Parameters a list does not take,
    and the order or spelling its arguments came in, make no other list."""
    if not filters:
        return None
    return hashlib.blake2s(repr(key(filters)).encode(), digest_size=6).hexdigest()


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode().rstrip("=")


def _decode(cursor: str, sort: str, width: int, listed: str | None) -> dict:
    try:
        state = jsontext.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (
            isinstance(state, dict)
            and state.get("d") in ("next", "prev")
            and state.get("s") == sort
            # (A cursor made before cursors named their list has no "l": it is taken.)
            and state.get("l", listed) == listed
            and isinstance(state.get("k"), list)
            and len(state["k"]) == width
            and all(isinstance(v, str) for v in state["k"])  # every list's keys are text
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        invalid_cursor()
    return state


def invalid_cursor():
    abort(
        422,
        message="Invalid query parameter: cursor.",
        errors={
            "cursor": [
                "Not a cursor from this list (these filters, this sort order); "
                "follow the `next` or `prev` link as given."
            ]
        },
    )


def after(keys, values, forward: bool):
    """Rows strictly after (or, going back, before) the row with these key values."""
    condition = None
    for i in range(len(keys) - 1, -1, -1):
        column, descending = keys[i]
        later = (column < values[i]) if descending == forward else (column > values[i])
        condition = later if condition is None else (later | ((column == values[i]) & condition))
    return condition


_urls = Memo(1024)


def page_urls(environ: dict) -> tuple[str, str]:
    """The URL of the request `environ` describes, and the same with its cursor left out and
    `cursor=` put last: the start of its neighbours' URLs. Both start from the public link
    base and keep the query as it was sent, any API key in it redacted (`api.http.public_url`).
    Worked out once per URL."""
    key = (link_base(environ), environ.get("PATH_INFO"), environ.get("QUERY_STRING"))
    return _urls.get(key, lambda: _work_out_urls(environ))


def _work_out_urls(environ: dict) -> tuple[str, str]:
    base, here = url_as_sent(environ)
    kept = without(here, ("cursor",))
    return (
        f"{base}?{here}" if here else base,
        f"{base}?{kept}&cursor=" if kept else f"{base}?cursor=",
    )


def _links(sort: str, next_key, prev_key, urls=None, listed: str | None = None) -> dict:
    """A page's self, next and prev links: this request's URL, and the same with the cursor of
    the next or previous page (None where there is none) in place of its own. `urls` are the
    request's `page_urls`, when the caller has them; `listed`, the list's digest."""
    here, start = page_urls(request.environ) if urls is None else urls

    def at(direction: str, key) -> str | None:
        # Cursors are URL-safe base64: nothing in them needs quoting.
        if key is None:
            return None
        state = {"d": direction, "s": sort, "k": key}
        return start + _encode(state if listed is None else {**state, "l": listed})

    return {"self": here, "next": at("next", next_key), "prev": at("prev", prev_key)}


def page_url(**replace) -> str:
    """This request's URL as `page_urls` gives it, with some query parameters replaced, put
    last (None drops one)."""
    base, query = url_as_sent(request.environ)
    added = urlencode([(k, v) for k, v in replace.items() if v is not None])
    query = "&".join(filter(None, [without(query, replace) if replace else query, added]))
    return f"{base}?{query}" if query else base


def position(
    cursor: str | None, sort: str, width: int, listed: str | None = None
) -> tuple[bool, list | None]:
    """Where a page starts: (forward, the key values it starts after), or the first page."""
    if not cursor:
        return True, None
    state = _decode(cursor, sort, width, listed)
    return state["d"] == "next", state["k"]


def links_of(
    rows: list, *, forward: bool, values, limit: int, key_of, sort: str, urls=None, listed=None
):
    """A page from up to `limit + 1` rows read in walking order: the rows in list order, and
    the page's self/next/prev links (`urls` and `listed` as `_links` takes them)."""
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    has_next = more if forward else values is not None
    has_prev = (values is not None) if forward else more
    links = _links(
        sort,
        key_of(rows[-1]) if rows and has_next else None,
        key_of(rows[0]) if rows and has_prev else None,
        urls,
        listed,
    )
    return rows, links


def paginate(
    read,
    *,
    key_of,
    limit: int,
    cursor: str | None,
    sort: str,
    width: int = 1,
    is_key=None,
    urls=None,
    filters: dict | None = None,
):
    """One page and its self/next/prev links. `read(forward, after, limit)` gives up to `limit`
    rows in walking order, strictly after the key values `after` (None: from the start);
    `key_of(row)` gives a row's key values, as strings (a cursor holds no other), and `is_key`
    checks a cursor's (a 422 when it fails). `urls` are the request's `page_urls`; `filters`,
    the list's arguments but the page's own, which its cursors name (`list_digest`)."""
    listed = list_digest(filters)
    forward, values = position(cursor, sort, width, listed)
    if values is not None and is_key is not None and not is_key(values):
        invalid_cursor()
    rows = read(forward, values, limit + 1)
    return links_of(
        rows,
        forward=forward,
        values=values,
        limit=limit,
        key_of=key_of,
        sort=sort,
        urls=urls,
        listed=listed,
    )


def from_query(query, keys):
    """A `paginate` reader of a peewee query ordered by `keys` [(column, descending)]."""

    def read(forward: bool, values, limit: int) -> list:
        order = [c.desc() if desc == forward else c.asc() for c, desc in keys]
        page = query if values is None else query.where(after(keys, values, forward))
        return list(page.order_by(*order).limit(limit))

    return read


def from_items(items: list, key_of):
    """A `paginate` reader of a short list already in memory and sorted by `key_of`."""

    def read(forward: bool, values, limit: int) -> list:
        if values is None:
            return items[:limit]
        if forward:
            return [item for item in items if key_of(item) > values][:limit]
        return [item for item in items if key_of(item) < values][::-1][:limit]

    return read


def listing(data: list, links: dict, total: int, **meta):
    """A list answer: `{data, links, meta}` and the same links in an RFC 8288 Link header."""
    return {"data": data, "links": links, "meta": {"total": total, **meta}}, 200, link_header(links)


def link_header(links: dict) -> dict:
    parts = [f'<{links[rel]}>; rel="{rel}"' for rel in ("next", "prev") if links.get(rel)]
    return {"Link": ", ".join(parts)} if parts else {}
