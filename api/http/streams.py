"""Lists in other types than JSON: the type an `Accept` header chooses, and every match of
a list streamed in it, read a batch at a time as JSON pages read theirs."""

import os

from flask import Response, request, stream_with_context
from flask_smorest import abort
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from api.common.memo import Memo
from api.http import formats
from api.http.access_log import sent_as_stream
from api.http.feeds import feed_slot
from api.queries import pages

STREAMS = {
    "text/csv": formats.csv_lines,
    "application/x-ndjson": formats.ndjson_lines,
    "text/calendar": formats.ical_lines,
}
# JSON-LD pages as JSON does (`api.http.linked_data`).
OFFERED = ["application/json", *STREAMS, "application/ld+json"]
ITEM_OFFERED = ["application/json", "application/ld+json"]
_chosen = Memo(256)


def chosen_type(accept: str | None, offered: list[str] = OFFERED) -> str | None:
    """The type of those `offered` (a list's, by default) this `Accept` header chooses (JSON
    without one), or None when it names none of them. The same header always chooses the
    same type."""
    if accept is None:
        return "application/json"
    return _chosen.get(
        (accept, tuple(offered)),
        lambda: parse_accept_header(accept, MIMEAccept).best_match(offered),
    )


def negotiate(offered: list[str] = OFFERED) -> str:
    """The type the request answers in, of those `offered` (a list's, by default); a 406
    problem where none suits."""
    best = chosen_type(request.headers.get("Accept"), offered)
    if best is None:
        abort(
            406,
            message="Cannot answer in any type the Accept header lists; this speaks "
            + ", ".join(offered)
            + ".",
            headers={"Vary": "Accept"},
        )
    return best


def stream(media: str, filters: dict, sort: str, selected: tuple | None = None) -> Response:
    """Every match in one response, read a batch at a time as JSON pages read theirs."""
    reader = pages.order(filters, pages.plan(filters), sort)

    def read(after: list | None, limit: int) -> list:
        return reader.read(True, after, limit)

    stored = (row.document for row in formats.pages(read, reader.key))
    if media == "application/x-ndjson":  # with where `q` matched, and `fields=`
        stored = formats.as_listed(stored, filters.get("q"), selected)
    return streamed(media, STREAMS[media](stored))


def streamed(media: str, body) -> Response:
    """`body` (the pieces of text of a whole list) streamed in one response of type `media`,
    in a feed slot of the server's (a 503 problem when it streams all the feeds it can)."""
    slot = feed_slot()
    sent_as_stream()
    mimetype = media + ("; charset=utf-8" if media != "application/x-ndjson" else "")
    response = Response(
        stream_with_context(body), headers={"Content-Type": mimetype, "Vary": "Accept"}
    )
    if slot is not None:
        # Given back when the server closes the response: sent whole, broken off, or a HEAD.
        response.call_on_close(lambda: os.close(slot))
    return response
