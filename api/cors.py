"""CORS: any web page may read the API; no page may write to it.

Writes stay out of reach of browsers on other origins: a preflight for them gets no
Access-Control-Allow-* headers, so the browser never sends the request.
"""

from flask import request

READS = ("GET", "HEAD")
EXPOSED = (
    "ETag, Link, X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After"
)
PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": ", ".join(READS),
    "Access-Control-Allow-Headers": "If-None-Match, Accept, X-Request-ID",
    "Access-Control-Max-Age": "86400",
}


def init_app(app) -> None:
    @app.before_request
    def _preflight():
        if request.method != "OPTIONS":
            return None
        if request.headers.get("Access-Control-Request-Method") not in READS:
            return None  # not a preflight for a read: Flask's own OPTIONS answer, nothing more
        response = app.response_class(status=204, headers=PREFLIGHT)
        del response.headers["Content-Type"]  # no body, so no type
        return response

    @app.after_request
    def _open_reads(response):
        if request.method in READS:
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = EXPOSED
        return response
