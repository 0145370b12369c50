"""What every write shares: a key, one transaction, preconditions, idempotent retries."""

import functools
import hashlib
import json
import time

import orjson
from flask import Response, current_app, g, request
from flask_smorest import abort
from peewee import OperationalError, PostgresqlDatabase

from api.common import jsontext
from api.db import db
from api.http.auth import authenticate
from api.http.errors import not_found
from api.models import IdempotentRequest, Meeting, Tombstone
from api.store.meetings import Conflict
from schemas.fields import could_be_id

IDEMPOTENCY_HEADER = "Idempotency-Key"


def etag(meeting_id: str, revision: int, selected: tuple[str, ...] | None = None) -> str:
    """The strong validator of a meeting at a revision; a selection of its fields (`fields=`)
    is another representation, with a validator of its own."""
    if selected:
        digest = hashlib.sha256(",".join(sorted(selected)).encode()).hexdigest()[:12]
        return f'"{meeting_id}.{revision}.{digest}"'
    return f'"{meeting_id}.{revision}"'


def matches(header: str | None, tag: str, *, weak: bool = True) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Match (strong) header names `tag`."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or tag in tags or (weak and f"W/{tag}" in tags)


def not_modified(tag: str) -> Response | None:
    """A 304 with the ETag for a read whose `If-None-Match` names `tag` (the record is as the
    client has it), else None."""
    if matches(request.headers.get("If-None-Match"), tag):
        return Response(status=304, headers={"ETag": tag})
    return None


def current(meeting_id: str, *, lock: bool = False) -> Meeting:
    """The stored meeting, or a 404 (never existed) or 410 (deleted) problem."""
    if not could_be_id(meeting_id):
        not_found("meeting", meeting_id)
    query = Meeting.select().where(Meeting.id == meeting_id)
    if lock and isinstance(db.obj, PostgresqlDatabase):
        # SQLite writers already hold the database lock (BEGIN IMMEDIATE); PostgreSQL locks the row.
        # NO KEY: another write's rows that merely refer to this one (its links) need not wait.
        query = query.for_update("FOR NO KEY UPDATE")
    meeting = query.first()
    if meeting is None:
        if Tombstone.get_or_none(Tombstone.id == meeting_id) is not None:
            abort(410, message=f"Meeting {meeting_id!r} was deleted.")
        not_found("meeting", meeting_id)
    return meeting


def check_if_match(meeting: Meeting) -> None:
    """Writes to a record name the version they change: 428 without, 412 when it moved on."""
    header = request.headers.get("If-Match")
    if not header:
        abort(428, message="This write needs an `If-Match` header with the record's current ETag.")
    tag = etag(meeting.id, meeting.revision)
    if not matches(header, tag, weak=False):
        abort(
            412,
            message=f"The record has changed: its current ETag is {tag}.",
            headers={"ETag": tag},
        )
    # Evaluated after If-Match (RFC 9110, 13.2.2): a write only where the record is not this.
    if matches(request.headers.get("If-None-Match"), tag):
        abort(
            412,
            message=f"`If-None-Match` names the record as it is ({tag}): nothing is written.",
            headers={"ETag": tag},
        )


def locked_meeting(meeting_id: str, **_) -> Meeting:
    """The meeting a write names, locked for its transaction, at the version `If-Match` names."""
    meeting = current(meeting_id, lock=True)
    check_if_match(meeting)
    return meeting


def _fingerprint() -> str:
    """What makes two requests the same: method, path and the body's parsed JSON (so that
    white space and key order do not count), or its bytes when it is not JSON."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    body = request.get_data(cache=True)
    try:
        digest.update(orjson.dumps(jsontext.loads(body), option=orjson.OPT_SORT_KEYS))
    except (ValueError, TypeError, orjson.JSONEncodeError):
        digest.update(b"bytes\n" + body)
    return digest.hexdigest()


def _replay(saved: IdempotentRequest) -> Response:
    response = current_app.response_class(saved.body, status=saved.status)
    for name, value in json.loads(saved.headers):
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _answer(saved):
    if saved.fingerprint != _fingerprint():
        abort(
            422,
            message=f"This {IDEMPOTENCY_HEADER} was used for a different request.",
            errors={IDEMPOTENCY_HEADER: ["Already used with another method, path or body."]},
        )
    return _replay(saved)


BODY_TYPES = {
    "POST": "application/json",
    "PUT": "application/json",
    "PATCH": "application/merge-patch+json",
}
ATTEMPTS = 3


def _check_body_type() -> None:
    expected = BODY_TYPES.get(request.method)
    if not expected:
        return
    if request.mimetype != expected:
        headers = {"Accept-Patch": expected} if request.method == "PATCH" else {}
        abort(
            415,
            message=f"A {request.method} body must be `Content-Type: {expected}`.",
            headers=headers,
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        abort(415, message=f"A JSON body is UTF-8, not {charset}: send it as UTF-8.")
    coding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if coding != "identity":
        # RFC 9110, 15.5.16: a coding the server does not take is a 415 naming those it does.
        abort(
            415,
            message=f"A body is taken as it is, not encoded ({coding}): send it uncoded.",
            headers={"Accept-Encoding": "identity"},
        )


def write(view=None, *, target=None, scope: str = "write"):
    """Authenticate, then run the view in one transaction; Idempotency-Key replays answers.

    The key must have `scope` (`write`, or `admin` for webhooks).

    With `target`, a function of the URL's arguments that finds and locks the record written
    (404, 410), its `If-Match` is checked (428, 412) before the body is read, and the view
    gets the record as `stored`. A transaction that loses a race with another writer (a
    deadlock, a busy database) runs again, three times in all at most; then, or when the
    database is away, the answer is a 503 with Retry-After.
    """
    if view is None:
        return functools.partial(write, target=target, scope=scope)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.api_key = authenticate(scope)
        _check_body_type()
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not 1 <= len(key) <= 200:
            abort(
                422,
                message=f"{IDEMPOTENCY_HEADER} must be 1 to 200 characters.",
                errors={IDEMPOTENCY_HEADER: ["Length must be between 1 and 200."]},
            )
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return _attempt(view, target, key, args, kwargs)
            except OperationalError:
                # The last attempt's error, or one inside an outer transaction, goes to the
                # app's handler: a 503 with Retry-After.
                if db.obj.in_transaction() or attempt == ATTEMPTS:
                    raise
                time.sleep(0.02 * attempt)

    return wrapper


def _claimed(key: str) -> bool:
    """Claims an Idempotency-Key for this request, in its transaction: True, or False when a
    request with it committed first. The key's unique index makes a concurrent claim of the
    same key wait until the first request's transaction ends: it then finds the saved answer,
    or (when the first failed, and saved nothing) claims the key itself."""
    return bool(
        IdempotentRequest.insert(
            api_key=g.api_key.name,
            key=key,
            fingerprint=_fingerprint(),
            status=0,
            body="",
            headers="[]",
        )
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )


def _keep_answer(key: str, response: Response) -> None:
    """Saves a successful answer for the claimed key; a failed one frees the key."""
    mine = (IdempotentRequest.api_key == g.api_key.name) & (IdempotentRequest.key == key)
    if response.status_code >= 300:
        IdempotentRequest.delete().where(mine).execute()
        return
    kept = [
        (k, v)
        for k, v in response.headers.items()
        if k.lower() in ("location", "etag", "content-type")
    ]
    IdempotentRequest.update(
        status=response.status_code,
        body=response.get_data(as_text=True),
        headers=json.dumps(kept),
    ).where(mine).execute()


def _attempt(view, target, key, args, kwargs):
    try:
        with db.atomic():
            if key and not _claimed(key):
                return _answer(
                    IdempotentRequest.get(
                        (IdempotentRequest.api_key == g.api_key.name)
                        & (IdempotentRequest.key == key)
                    )
                )
            if target:
                kwargs = {**kwargs, "stored": target(**kwargs)}
            response = current_app.make_response(view(*args, **kwargs))
            if key:
                _keep_answer(key, response)
            return response
    except Conflict as exc:
        abort(exc.status, message=str(exc), errors={exc.field: [str(exc)]})
