"""The busiest reads, answered beside Flask.

`GET /v1/meetings/{id}` and the JSON pages of `GET /v1/meetings` are most of the API's traffic.
An item is one indexed row, holding the revision (the ETag) and the document as it is sent; a
page is a few index look-ups and the stored documents of its rows. Flask's dispatch around
them (a request context, routing, the view's decorators, a Response object, the after-request
hooks) costs as much as the item's query again, and half as much as the page's queries.

`Reads` is WSGI middleware between the access log (`access_log.Frame`, which adds the headers
every response carries) and Flask. It answers a `GET` or `HEAD` of a stored meeting from its
row, and of a JSON page of meetings through the list view's own functions (its arguments read
by the view's parser and schema, its page by `json_page`), with the status, headers and body
the views give. Each counts against the read rate limit as Flask-Limiter does. Anything else
goes on to Flask untouched: other paths and methods, a missing or deleted meeting, invalid
arguments or cursors and other types than JSON (Flask writes the problem or the stream), a
spent read limit (Flask writes the 429), a read that fails (a database error, a fault).
"""

import re

from peewee import PeeweeException
from werkzeug.wrappers import Request

from .blueprint import Blueprint
from .db import close_after_error
from .pagination import page_urls
from .records import stored_item
from .request_limits import within_limits
from .resources.meetings import LIST_ARGS, chosen_type, json_page, page_start
from .writes import etag, matches

LIST_PATH = "/v1/meetings"
# The item route's paths whose last segment can be a stored meeting's id (ids are slugs).
ITEM_PATH = re.compile(r"/v1/meetings/([a-z0-9-]{1,100})")
READS = ("GET", "HEAD")


def _failed(exc: Exception) -> None:
    """A read not answered here because something raised (invalid arguments, a database error,
    a fault) goes to Flask, which tries again and answers whatever happens then: a 422
    problem, or a fault as a logged 500 problem. After a database error, as in a view, the
    connection is dropped first, so Flask tries on a new one."""
    if isinstance(exc, PeeweeException):
        close_after_error()


class Reads:
    """WSGI middleware answering item reads and JSON list pages of meetings."""

    def __init__(self, wsgi_app, read_budget=None):
        self.wsgi_app = wsgi_app
        # The reads' ratelimit.Budget when reads are limited, else None.
        self.read_budget = read_budget

    def __call__(self, environ, start_response):
        # A request over the size limits goes to Flask, which refuses it (414 or 431).
        if environ.get("REQUEST_METHOD") in READS and within_limits(environ):
            path = environ.get("PATH_INFO", "")
            if path == LIST_PATH:
                answered = self._page(environ, start_response)
            elif match := ITEM_PATH.fullmatch(path):
                answered = self._item(environ, start_response, match[1])
            else:
                answered = None
            if answered is not None:
                return answered
        return self.wsgi_app(environ, start_response)

    def _spend(self, environ) -> list | None:
        """The read's RateLimit headers ([] when reads are not limited), or None when the
        budget is spent (or its store is down): Flask then answers as it always does."""
        if self.read_budget is None:
            return []
        count = self.read_budget.spend(environ.get("REMOTE_ADDR") or "unknown")
        return count.headers if count is not None and count.allowed else None

    def _item(self, environ, start_response, meeting_id: str):
        try:
            found = stored_item(meeting_id)
        except Exception as exc:
            return _failed(exc)
        if found is None or found[1] is None:
            return None  # 404 or 410: Flask writes the problem
        headers = self._spend(environ)
        if headers is None:
            return None
        tag = etag(meeting_id, found[0])
        if matches(environ.get("HTTP_IF_NONE_MATCH"), tag):
            start_response("304 NOT MODIFIED", [("ETag", tag), *headers])
            return []
        document = found[1]
        if isinstance(document, str):
            document = document.encode()
        headers = [("ETag", tag), *headers]
        return self._send(environ, start_response, document, headers)

    def _page(self, environ, start_response):
        try:
            if chosen_type(environ.get("HTTP_ACCEPT")) != "application/json":
                return None  # a stream, or a 406: Flask's
            query = environ.get("QUERY_STRING", "").encode("latin-1")
            args = Blueprint.ARGUMENTS_PARSER.query_args(LIST_ARGS, query, lambda: Request(environ))
            limit, sort, cursor = args.pop("limit"), args.pop("sort"), args.pop("cursor", None)
            start = page_start(cursor, sort)
        except Exception as exc:  # invalid arguments or cursor (an HTTPException): Flask's 422
            return _failed(exc)
        headers = self._spend(environ)
        if headers is None:
            return None
        try:
            body, page_headers = json_page(args, limit, sort, start, page_urls(environ))
        except Exception as exc:
            return _failed(exc)  # (Flask counts this read again: rare enough)
        return self._send(environ, start_response, body, [*page_headers.items(), *headers])

    @staticmethod
    def _send(environ, start_response, body: bytes, headers: list):
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                *headers,
            ],
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
