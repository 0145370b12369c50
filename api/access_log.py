"""Request ids and the access log: one JSON line per request on standard error."""

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
# Ids end up in logs and in other services' headers: keep them to short printable ASCII.
SANE_ID = re.compile(r"[\x20-\x7e]{1,200}")
log = logging.getLogger("meetings.access")


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging's last resort handler does)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class JsonLines(logging.Formatter):
    """A record as one JSON object: an access record's fields, or a message with its context."""

    def format(self, record):
        fields = getattr(record, "access", None)
        if fields is None:
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


def _utc(seconds: float) -> str:
    instant = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def request_id() -> str:
    """The client's X-Request-ID when it is sane, else a new one; the same all request long."""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "").strip()
        g.request_id = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def configure_logging(level: str) -> None:
    # Loggers are process-wide and apps are not (tests make many): add the handler once.
    for name in ("meetings", "api"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _Stderr) for h in logger.handlers):
            handler = _Stderr()
            handler.setFormatter(JsonLines())
            logger.addHandler(handler)
        # Whatever else the host configures (gunicorn, pytest) must not print the line twice.
        logger.propagate = False


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


def _access_line(status: int):
    """Writes this request's line when called; the duration runs until then."""
    started, clock = g.get("access_started") or (time.time(), time.perf_counter())
    api_key = g.get("api_key")
    fields = {
        "time": _utc(started),
        "logger": log.name,
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "status": status,
        "duration_ms": None,
        "request_id": request_id(),
        "remote_addr": request.remote_addr,
        "api_key": api_key.name if api_key is not None else None,
        "user_agent": request.user_agent.string or None,
    }

    def write():
        fields["duration_ms"] = round((time.perf_counter() - clock) * 1000, 1)
        log.info("%s %s %s", fields["method"], fields["path"], status, extra={"access": fields})

    return write


def init_app(app) -> None:
    """Registered before the other hooks: its clock starts first and its line sees the end."""
    configure_logging(app.config["MEETINGS_LOG_LEVEL"])

    @app.before_request
    def _start():
        g.access_started = (time.time(), time.perf_counter())
        request_id()

    @app.after_request
    def _log(response):
        response.headers[HEADER] = request_id()
        write = _access_line(response.status_code)
        if response.is_streamed:
            # A stream (a whole list as NDJSON) is timed and logged when its last line is sent.
            response.response = _LoggedBody(response.response, write)
        else:
            write()
        return response
