"""Request ids and the access log: one JSON line per request on standard error.

Both live in a WSGI middleware around the Flask app (`Frame`), as do the headers every
response carries (CORS for reads, security headers): there they cost a few list appends, where
Flask hooks setting them one by one cost more than many a whole request.
"""

import json
import logging
import os
import re
import sys
import time
from json.encoder import encode_basestring_ascii

from flask import has_request_context, request

from api.http import cors, security
from api.http.public_url import redact, redact_text

HEADER = "X-Request-ID"
# Ids end up in logs and in other services' headers: keep them to short printable ASCII.
SANE_ID = re.compile(r"[\x20-\x7e]{1,200}")
log = logging.getLogger("meetings.access")

# What the app tells the middleware through the WSGI environ.
REQUEST_ID = "meetings.request_id"
API_KEY = "meetings.api_key"
STREAMED = "meetings.streamed"


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging's last resort handler does)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class JsonLines(logging.Formatter):
    """A record as one JSON object: its message with its context."""

    def format(self, record):
        fields = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            fields["request_id"] = request_id()
        if record.exc_info:
            fields["traceback"] = self.formatException(record.exc_info)
        # ASCII escapes keep a hostile path or header on its own line.
        return json.dumps(fields)


_second: list = [None, ""]  # the last whole second formatted, and its text


def _utc(seconds: float) -> str:
    """An instant as `2024-09-06T01:02:03.456Z`; the whole second is formatted once."""
    whole = int(seconds)
    formatted, text = _second  # read at once: another thread may set it meanwhile
    if whole != formatted:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _second[:] = [whole, text]
    return f"{text}.{int((seconds - whole) * 1000):03d}Z"


def _new_id(given: str | None) -> str:
    if given:
        given = given.strip()
        if SANE_ID.fullmatch(given):
            return given
    return os.urandom(16).hex()


def request_id() -> str:
    """The client's X-Request-ID when it is sane, else a new one; the same all request long."""
    environ = request.environ
    if REQUEST_ID not in environ:  # a request made without the middleware (a test context)
        environ[REQUEST_ID] = _new_id(environ.get("HTTP_X_REQUEST_ID"))
    return environ[REQUEST_ID]


def configure_logging(level: str) -> None:
    # Loggers are process-wide and apps are not (tests make many): add the handler once.
    for name in ("meetings", "api"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _Stderr) for h in logger.handlers):
            handler = _Stderr()
            handler.setFormatter(JsonLines())
            logger.addHandler(handler)
        # Whatever else the host configures (granian, pytest) must not print the line twice.
        logger.propagate = False


def _path(environ) -> str:
    # As Flask's request.path: PATH_INFO arrives as latin-1 text of the raw bytes.
    raw = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    return "/" + raw.lstrip("/")


class _LoggedBody:
    """A streamed body that writes its access line once it is sent, or closed early."""

    def __init__(self, body, write):
        self.body, self.write = body, write

    def __iter__(self):
        yield from self.body
        self._done()

    def close(self):
        # WSGI servers call close() after the last byte, or when the client went away.
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._done()

    def _done(self):
        write, self.write = self.write, None
        if write is not None:
            write()


class Frame:
    """WSGI middleware: a request id, the headers every response carries, and the access line,
    written once the response is complete. It never answers a request itself."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started, clock = time.time(), time.perf_counter()
        rid = environ[REQUEST_ID] = _new_id(environ.get("HTTP_X_REQUEST_ID"))
        method = environ.get("REQUEST_METHOD", "GET")
        path = _path(environ)
        docs = security.is_docs(path)
        extra = [(HEADER, rid), *(security.DOCS_HEADERS if docs else security.API_HEADERS)]
        if method in cors.READS:
            extra += cors.OPEN_READS
        status = []

        def write():
            self._write(environ, method, path, status, started, clock)

        def start(code, headers, exc_info=None):
            status[:] = [code]
            headers.extend(extra)
            if docs:
                security.docs_fallback(headers)
            return start_response(code, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            status[:] = ["500"]
            write()
            raise
        if environ.get(STREAMED):
            # A stream (a whole list as NDJSON) is timed and logged when its last line is sent.
            return _LoggedBody(body, write)
        write()
        return body

    @staticmethod
    def _write(environ, method, path, status, started, clock):
        if not log.isEnabledFor(logging.INFO):
            return
        code = status[0].split(" ", 1)[0] if status else "null"
        agent = environ.get("HTTP_USER_AGENT") or None
        # One JSON object, put together here: the strings a client sent are JSON-encoded (with
        # ASCII escapes, so a hostile path or header stays on its own line); the rest are
        # numbers and names of our own. An API key sent in the URL is never written.
        line = (
            f'{{"time": "{_utc(started)}", "logger": "{log.name}", "method": {_text(method)}, '
            f'"path": {_text(redact_text(path))}, '
            f'"query": {_text(redact(environ.get("QUERY_STRING", "")))}, '
            f'"status": {int(code) if code.isdigit() else "null"}, '
            f'"duration_ms": {round((time.perf_counter() - clock) * 1000, 1)}, '
            f'"request_id": {_text(environ[REQUEST_ID])}, '
            f'"remote_addr": {_text(environ.get("REMOTE_ADDR"))}, '
            f'"api_key": {_text(environ.get(API_KEY))}, "user_agent": {_text(agent)}}}\n'
        )
        # Straight to standard error, as the handler writes other records: a log record, its
        # caller lookup and the handler's lock cost more than a short request.
        stream = sys.stderr
        stream.write(line)
        stream.flush()


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


def sent_as_stream() -> None:
    """Called by a view whose body streams: its line is written once the last byte is sent."""
    request.environ[STREAMED] = True


def api_key_used(name: str) -> None:
    """Names the API key a request was made with, for its access line."""
    request.environ[API_KEY] = name


def init_app(app) -> None:
    configure_logging(app.config["MEETINGS_LOG_LEVEL"])
    app.wsgi_app = Frame(app.wsgi_app)
