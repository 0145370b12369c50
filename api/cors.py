"""CORS: any web page may read the API; no page may write to it.

Writes stay out of reach of browsers on other origins: a preflight for them gets no
Access-Control-Allow-* headers, so the browser never sends the request. The headers are added
by the access-log middleware (api.access_log.Frame), around every response.
"""

from .request_limits import within_limits

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


def is_read_preflight(environ) -> bool:
    """A preflight for a read: answered 204 before the app sees it. One for anything else gets
    Flask's own OPTIONS answer, with no CORS headers; one over the size limits, Flask's 414 or
    431."""
    return (
        environ.get("REQUEST_METHOD") == "OPTIONS"
        and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD") in READS
        and within_limits(environ)
    )
