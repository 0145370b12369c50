"""CORS: any web page may read the API; no page may write to it.

Writes stay out of reach of browsers on other origins: a preflight for them gets no
Access-Control-Allow-* headers, so the browser never sends the request. The headers of every
read are added by the access-log middleware (api.http.access_log.Frame), around every response; a
preflight for a read, as any OPTIONS request, is answered by a hook, before the database or the
rate limits are touched.
"""

from flask import Flask, current_app, request

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


def answer_options():
    """An OPTIONS request of a routed path: 204 with no body and no content type, `Allow`
    naming its methods; a preflight for a read also gets the CORS headers, one for a write
    none of them."""
    if request.method != "OPTIONS" or request.routing_exception is not None:
        return None
    if request.headers.get("Access-Control-Request-Method") in READS:
        headers = PREFLIGHT
    else:
        allowed = current_app.make_default_options_response().headers["Allow"].split(",")
        headers = [("Allow", ", ".join(sorted(method.strip() for method in allowed)))]
    response = current_app.response_class(status=204, headers=headers)
    response.headers.remove("Content-Type")
    return response


def init_app(app: Flask) -> None:
    app.before_request(answer_options)
