"""CORS: any web page may read the API; no page may write to it.

Writes stay out of reach of browsers on other origins: a preflight for them gets no
Access-Control-Allow-* headers, so the browser never sends the request. The headers of every
read are added by the access-log middleware (api.http.access_log.Frame), around every response; a
preflight for a read is answered by a hook, before the database or the rate limits are touched.
"""

from flask import Flask, request

READS = ("GET", "HEAD")
EXPOSED = (
    "ETag, Link, X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After"
)
OPEN_READS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED),
]
PREFLIGHT = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", ", ".join(READS)),
    ("Access-Control-Allow-Headers", "If-None-Match, Accept, X-Request-ID"),
    ("Access-Control-Max-Age", "86400"),
]


def answer_read_preflight():
    """A preflight for a read: 204 with the CORS headers. One for anything else gets Flask's own
    OPTIONS answer, with no CORS headers."""
    if (
        request.method == "OPTIONS"
        and request.headers.get("Access-Control-Request-Method") in READS
    ):
        return "", 204, PREFLIGHT
    return None


def init_app(app: Flask) -> None:
    app.before_request(answer_read_preflight)
