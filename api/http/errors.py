"""RFC 9457 problem details: the one format of every error the API returns."""

import http

from flask import Response, current_app, json, request, url_for
from flask import abort as abort_with
from flask_smorest import abort
from flask_smorest.utils import prepare_response
from playhouse.pool import MaxConnectionsExceeded
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from api.db import close_after_error
from api.http.public_url import query_as_sent, redact_text
from api.store import documents
from api.store.renames import target
from schemas.common import Problem, Renamed
from schemas.fields import ID_LENGTH, could_be_id

PROBLEM_TYPE = "application/problem+json"
# RFC 9110 renamed 413, 414 and 422; Python's table still has the old phrases.
# The kinds of record that can be renamed, keeping their old ids (`api.store.renames`).
RENAMEABLE = ("meeting", "person", "source")
TITLES = {413: "Content Too Large", 414: "URI Too Long", 422: "Unprocessable Content"}


# How long a client waits before it tries again while the database is away.
DATABASE_RETRY_SECONDS = 5


# PostgreSQL's code for a statement it cancelled, as its statement timeout does.
QUERY_CANCELED = "57014"


def database_unavailable(error: Exception) -> Response:
    """A request the database could not answer (it is down, restarting, its connection broke,
    the worker's pool had no connection free in time, or a statement ran past the timeout): a
    503 with Retry-After, never a 500. The thread's connection is dropped, so that the next
    request opens a new one: once the database is back, the next request is served."""
    current_app.logger.warning(
        "database unavailable on %s: %s: %s", request.path, type(error).__name__, error
    )
    close_after_error()
    # peewee raises its own error, the driver's as its `orig`.
    if getattr(getattr(error, "orig", None), "pgcode", None) == QUERY_CANCELED:
        limit = current_app.config["MEETINGS_STATEMENT_TIMEOUT"]
        detail = f"The database took longer than the {limit:g} s a query may run; retry later."
    elif isinstance(error, MaxConnectionsExceeded):
        detail = "Every database connection of this worker is busy; retry in a few seconds."
    else:
        detail = f"The database is unavailable ({type(error).__name__}); retry in a few seconds."
    return problem(503, detail, headers={"Retry-After": str(DATABASE_RETRY_SECONDS)})


def problem(status: int, detail: str, *, errors=None, headers=None) -> Response:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status) or http.HTTPStatus(status).phrase,
        "status": status,
        "detail": redact_text(detail),
        "instance": _instance() if request else None,
    }
    if errors:
        # A message may quote a value: a key given as one (`?country=mr_…`) goes no further.
        body["errors"] = _redacted(errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _redacted(messages):
    if isinstance(messages, dict):
        return {name: _redacted(value) for name, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [_redacted(value) for value in messages]
    return redact_text(messages) if isinstance(messages, str) else messages


def _instance() -> str:
    """The request's path and its query as sent, any API key in them redacted."""
    query = query_as_sent(request.environ)
    return request.script_root + redact_text(request.path) + (f"?{query}" if query else "")


def _field_errors(messages: dict) -> dict:
    """webargs groups messages by location (query, json, ...); clients want them by field."""
    merged = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            merged.update(location_messages)
    # marshmallow's name for "the body as a whole" means nothing to a client.
    if "_schema" in merged:
        merged["body"] = merged.pop("_schema")
    # A repeated parameter's messages come keyed by position; `country=XX` wants them flat.
    for name, value in merged.items():
        if isinstance(value, dict) and all(str(k).isdigit() for k in value):
            merged[name] = [m for v in value.values() for m in (v if isinstance(v, list) else [v])]
    return merged


def _detail(error: HTTPException, data: dict, errors: dict) -> str:
    if errors:
        location = "query parameter" if "query" in data.get("messages", {}) else "field"
        names = ", ".join(sorted(map(str, errors)))
        plural = "s" if len(errors) > 1 else ""
        return f"Invalid {location}{plural}: {names}."
    if error.code == 500:
        return "The server met an error it did not expect. It has been logged."
    if error.code == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return f"The request body is larger than the {limit} bytes this API accepts."
    if error.code == 400 and request.is_json:
        # webargs keeps the parser's error, which says what is wrong and where.
        reason = getattr(error, "exc", None)
        return "The request body is not valid JSON" + (f": {reason}." if reason else ".")
    return error.description or http.HTTPStatus(error.code).description


class ProblemErrors:
    """Mixed into flask_smorest.Api: problem+json for every HTTP error, documented as such."""

    ERROR_SCHEMA = Problem

    def handle_http_exception(self, error: HTTPException):
        # An unhandled error has been logged by Flask already (with its traceback), as
        # "Exception on <path>" from the app's logger.
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or _field_errors(data.get("messages") or {})
        detail = data.get("message") or _detail(error, data, errors)
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # Werkzeug gathers them in a set: in order, the header reads the same every time.
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        headers.update(data.get("headers") or {})
        return problem(error.code, detail, errors=errors, headers=headers)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        # A read of a renamed record's old id (`refuse_if_renamed`).
        response = {
            "description": "Permanent Redirect: the record was renamed; `Location` is its URL",
            "schema": Renamed,
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
        prepare_response(response, self.spec, "application/json")
        self.spec.components.response("RENAMED", response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def refuse_if_renamed(kind: str, record_id: str) -> None:
    """For a request naming a record by an old id: a read is redirected (308) to its URL, a
    write refused (409) naming the new id. Anything else returns."""
    if kind not in RENAMEABLE or not request or not could_be_id(record_id):
        return  # an id no record could have (a NUL, say) was never anyone's
    new = target(kind, record_id)
    if new is None:
        return
    url = url_for(request.endpoint, **{**(request.view_args or {}), f"{kind}_id": new})
    if request.method in ("GET", "HEAD"):
        query = query_as_sent(request.environ)
        location = url + (f"?{query}" if query else "")
        body = documents.encode({"id": new, "renamed_from": record_id, "location": location})
        abort_with(
            Response(body, status=308, mimetype="application/json", headers={"Location": location})
        )
    abort(
        409,
        message=f"The {kind} id {record_id!r} was renamed {new!r}: write to {url}.",
        errors={"id": [f"Renamed: the {kind} is now {new!r}."]},
        headers={"Location": url},
    )


def not_found(kind: str, key: str):
    """404, unless `key` is the old id of a renamed record: then a read is redirected to it
    and a write refused, naming its id (`api.store.renames`)."""
    refuse_if_renamed(kind, key)
    shown = key if len(key) <= ID_LENGTH else key[:ID_LENGTH] + "…"  # no id is longer
    abort(404, message=f"No {kind} with id {shown!r}.")
