"""How large a request may be: decided by the app, whatever server runs it.

- A URL whose path and query string come to more than MAX_URL_BYTES: 414.
- Header fields whose names and values come to more than MAX_HEADER_BYTES, or more than
  MAX_HEADER_FIELDS of them: 431.
- A body over MEETINGS_MAX_BODY_BYTES: 413. Flask refuses one whose Content-Length is over the
  limit (MAX_CONTENT_LENGTH). A chunked body has none: it is read to one byte past the limit,
  which tells a body over it from one just at it.

Each is refused as a problem (`api.http.errors`) by a hook that runs before any other, so nothing
is stored. The server's own limits (`api.http.serving`) stand above these, so that it passes such a
request on for the app to answer, rather than answering it itself. The one it cannot raise is
granian's 100 header fields: the app's field limit stays below it.
"""

from flask import Flask, request
from flask_smorest import abort
from werkzeug.exceptions import RequestEntityTooLarge

MAX_URL_BYTES = 8192
MAX_HEADER_BYTES = 16384
MAX_HEADER_FIELDS = 64  # below granian's 100, which it answers itself (an empty 431)
WRITES = ("POST", "PUT", "PATCH")
# The header fields a WSGI environ holds without the HTTP_ prefix of the others.
_UNPREFIXED = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _over(environ: dict) -> tuple[int, str] | None:
    """The status and detail that refuse a request whose URL or header fields are over the
    limits; None for one within them."""
    url = sum(len(environ.get(part, "")) for part in ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING"))
    if url > MAX_URL_BYTES:
        return 414, (
            f"The URL's path and query string come to {url} bytes, more than the "
            f"{MAX_URL_BYTES} this API accepts."
        )
    # A server joins the values of a field sent twice: such a field counts once.
    fields = [(k, v) for k, v in environ.items() if k.startswith("HTTP_") or k in _UNPREFIXED]
    size = sum(len(name) - 5 + len(value) for name, value in fields)
    if len(fields) > MAX_HEADER_FIELDS or size > MAX_HEADER_BYTES:
        return 431, (
            f"The request has {len(fields)} header fields of {size} bytes (names and values): "
            f"this API accepts {MAX_HEADER_FIELDS} fields and {MAX_HEADER_BYTES} bytes at most."
        )
    return None


_is_text = str.__instancecheck__  # isinstance(value, str), as a function C calls


def within_limits(environ: dict) -> bool:
    """Whether the request's URL and header fields are within the limits. Cheap for the usual
    request, whose environ's names and text come to less than any limit
    between them; only a larger one is measured field by field."""
    if len(environ) <= MAX_HEADER_FIELDS:
        text = sum(map(len, environ)) + sum(map(len, filter(_is_text, environ.values())))
        if text <= min(MAX_URL_BYTES, MAX_HEADER_BYTES):
            return True
    return _over(environ) is None


def refuse_oversize() -> None:
    """A 414, 431 or 413 problem for a request over the limits."""
    if not within_limits(request.environ):
        status, detail = _over(request.environ)
        abort(status, message=detail)
    if request.method not in WRITES:
        return  # reads are the most requests: they skip the body's look-ups
    limit = request.max_content_length
    if request.content_length is None and limit is not None:
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:
            raise RequestEntityTooLarge()


def init_app(app: Flask) -> None:
    app.before_request(refuse_oversize)
