"""Reads of one meeting, answered beside Flask.

`GET /v1/meetings/{id}` is the API's busiest request and its cheapest: one indexed row holds
the revision (the ETag) and the document as it is sent. Flask's dispatch around that row (a
request context, routing, the view's decorators, a Response object) costs as much again as
the query, and more than the query for a revalidation answered `304`.

`ItemReads` is WSGI middleware between the access log (`access_log.Frame`, which adds the
headers every response carries) and Flask. It answers a `GET` or `HEAD` of a stored meeting
from its row, with the status, headers and body the view gives, and counts it against the read
rate limit as Flask-Limiter does. Anything else goes on to Flask untouched: other paths and
methods, a missing or deleted meeting (Flask writes its problem), a spent read limit (Flask
writes the 429), a database error.
"""

import re

from peewee import PeeweeException

from .db import close_after_error
from .records import stored_item
from .writes import etag, matches

# The item route's paths whose last segment can be a stored meeting's id (ids are slugs).
ITEM_PATH = re.compile(r"/v1/meetings/([a-z0-9-]{1,100})")
READS = ("GET", "HEAD")


class ItemReads:
    """WSGI middleware answering `GET`/`HEAD /v1/meetings/{id}` for a stored meeting."""

    def __init__(self, wsgi_app, read_budget=None):
        self.wsgi_app = wsgi_app
        # ratelimit.ReadBudget when reads are limited, else None.
        self.read_budget = read_budget

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in READS and (
            match := ITEM_PATH.fullmatch(environ.get("PATH_INFO", ""))
        ):
            answered = self._answer(environ, start_response, match[1])
            if answered is not None:
                return answered
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, start_response, meeting_id: str):
        try:
            found = stored_item(meeting_id)
        except PeeweeException:
            # As after a database error in a view. This request goes to Flask, which tries
            # again on a new connection and answers whatever happens then.
            close_after_error()
            return None
        if found is None or found[1] is None:
            return None  # 404 or 410: Flask writes the problem
        headers = []
        if self.read_budget is not None:
            limit_headers = self.read_budget.spend(environ.get("REMOTE_ADDR") or "unknown")
            if limit_headers is None:
                return None  # spent (or its store is down): Flask answers as it always does
            headers = limit_headers
        tag = etag(meeting_id, found[0])
        if matches(environ.get("HTTP_IF_NONE_MATCH"), tag):
            start_response("304 NOT MODIFIED", [("ETag", tag), *headers])
            return []
        document = found[1]
        if isinstance(document, str):
            document = document.encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(document))),
                ("ETag", tag),
                *headers,
            ],
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [document]
