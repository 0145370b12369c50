"""Webhook subscriptions: push of the change log, managed with `admin` keys."""

import json
import secrets

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import ValidationError

from api.common.merge_patch import merge_patch, requested_patch
from api.http.auth import require_key
from api.http.blueprint import Blueprint
from api.http.errors import not_found
from api.http.openapi import ADMIN, ETAG_HEADER, IF_MATCH, merge_patch_body
from api.http.pagination import from_query, listing, paginate
from api.http.writes import check_if_match, etag, not_modified, write
from api.models import utcnow
from api.models.webhooks import Webhook
from api.queries.filters import is_postgres
from api.services import deliveries, subscriptions, webhook_secrets, webhook_targets
from api.store.changelog import newest_seq
from api.store.documents import instant
from schemas.common import PageArgs, envelope
from schemas.webhook import Webhook as WebhookSchema
from schemas.webhook import (
    WebhookCreated,
    WebhookIn,
    WebhookPatch,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Push: the change log POSTed to subscribers, signed as Standard Webhooks "
    "says. Every operation needs a key with the `admin` scope.",
)

ADMIN_ERRORS = ((401, "UNAUTHORIZED"), (403, "FORBIDDEN"))


def admin_errors(view):
    for status, response in ADMIN_ERRORS:
        view = blp.alt_response(status, response=response)(view)
    return view


def settings() -> deliveries.Settings:
    return deliveries.settings_from(current_app.config)


def _check_target(url: str) -> None:
    try:
        webhook_targets.check(url, settings().policy)
    except webhook_targets.TargetRefused as exc:
        abort(422, message=f"Invalid field: url. {exc}", errors={"url": [str(exc)]})


def document(hook: Webhook) -> dict:
    return {
        "id": hook.id,
        "url": hook.url,
        "description": hook.description,
        "events": hook.events,
        "filter": json.loads(hook.filters or "{}"),
        "enabled": hook.disabled_at is None,
        "disabled_at": instant(hook.disabled_at),
        "disabled_reason": hook.disabled_reason,
        "cursor": hook.cursor,
        "backlog": subscriptions.backlog(hook),
        "failing_since": instant(hook.failing_since),
        "next_attempt_at": instant(hook.next_attempt_at),
        "previous_secret_until": instant(hook.previous_secret_until),
        "created_at": instant(hook.created_at),
        "updated_at": instant(hook.updated_at),
        "revision": hook.revision,
    }


def found(webhook_id: str, *, lock: bool = False) -> Webhook:
    """The subscription, or a 404; `lock`ed for the write's transaction (SQLite's writers hold
    its one write lock already)."""
    query = Webhook.select().where(Webhook.id == webhook_id)
    if lock and is_postgres():
        query = query.for_update()
    return query.first() or not_found("webhook", webhook_id)


def locked(webhook_id: str, **_) -> Webhook:
    hook = found(webhook_id, lock=True)
    check_if_match(hook)
    return hook


def saved(webhook_id: str, status: int = 200, extra: dict | None = None):
    hook = Webhook.get_by_id(webhook_id)
    return {**document(hook), **(extra or {})}, status, {"ETag": etag(hook.id, hook.revision)}


@blp.route("")
class Webhooks(MethodView):
    @require_key("admin")
    @blp.arguments(PageArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(WebhookSchema, "WebhookList"))
    @admin_errors
    @blp.doc(**ADMIN)
    def get(self, limit, cursor=None):
        """List webhook subscriptions

        By id, with where each stands: its `cursor` in the change log and its `backlog`.
        """
        rows, links = paginate(
            from_query(Webhook.select(), [(Webhook.id, False)]),
            key_of=lambda h: [h.id],
            limit=limit,
            cursor=cursor,
            sort="id",
        )
        return listing([document(h) for h in rows], links, Webhook.select().count())

    @write(scope="admin")
    @blp.arguments(WebhookIn())
    @blp.response(201, WebhookCreated, headers=ETAG_HEADER)
    @admin_errors
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.doc(**ADMIN)
    def post(self, data):
        """Create a webhook subscription

        Changes from now on are POSTed to `url`, each signed with the secret this answer
        shows (this once). The `filter` takes the meetings list's filters.
        """
        _check_target(data["url"])
        secret = webhook_secrets.new_secret()
        webhook_id = "wh_" + secrets.token_hex(8)
        newest = newest_seq()
        Webhook.create(
            id=webhook_id,
            url=data["url"],
            description=data["description"],
            events=list(dict.fromkeys(data["events"])),
            filters=json.dumps((request.get_json() or {}).get("filter") or {}),
            secret=webhook_secrets.seal(settings().key, secret),
            cursor=newest,
        )
        body, status, headers = saved(webhook_id, 201, {"secret": secret})
        return body, status, {**headers, "Location": f"/v1/webhooks/{webhook_id}"}


@blp.route("/<string:webhook_id>")
class WebhookItem(MethodView):
    @require_key("admin")
    @blp.response(200, WebhookSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not Modified: the `If-None-Match` ETag is current")
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(**ADMIN)
    def get(self, webhook_id):
        """Get a webhook subscription

        Where it stands: the `cursor` of the last change sent, the `backlog` still to go, and,
        while a receiver fails, since when and the next attempt's time.
        """
        hook = found(webhook_id)
        tag = etag(hook.id, hook.revision)
        if unchanged := not_modified(tag):
            return unchanged
        return document(hook), 200, {"ETag": tag}

    @write(target=locked, scope="admin")
    @blp.response(200, WebhookSchema, headers=ETAG_HEADER)
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], requestBody=merge_patch_body(WebhookPatch), **ADMIN)
    def patch(self, webhook_id, stored):
        """Change a webhook subscription

        An RFC 7396 JSON Merge Patch of `url`, `description`, `events`, `filter` and
        `enabled`. `enabled: true` starts a disabled subscription again where it stopped;
        `false` stops it. Needs `If-Match` with the current ETag.
        """
        patch = requested_patch()
        shown = {k: v for k, v in document(stored).items() if k in WebhookPatch().fields}
        merged = merge_patch(shown, patch)
        removed = [name for name in ("url", "events", "enabled") if merged.get(name) is None]
        if removed:
            errors = {
                name: ["A subscription keeps it: give a value, not null."] for name in removed
            }
            named = ", ".join(f"`{name}`" for name in removed)
            abort(
                422,
                message=f"The patch removes {named}, which a subscription keeps.",
                errors=errors,
            )
        try:
            data = WebhookPatch().load(merged)
        except ValidationError as exc:
            named = ", ".join(f"`{name}`" for name in sorted(exc.messages))
            message = f"The patched subscription is not valid: {named}."
            abort(422, message=message, errors=exc.messages)
        if data.get("id", webhook_id) != webhook_id:
            abort(422, message="The id cannot change.", errors={"id": ["Ids never change."]})
        if data["url"] != stored.url:
            _check_target(data["url"])
        update = {
            "url": data["url"],
            "description": data.get("description"),
            "events": list(dict.fromkeys(data["events"])),
            "filters": json.dumps(merged.get("filter") or {}),
            "revision": stored.revision + 1,
            "updated_at": utcnow(),
        }
        if data["enabled"] and stored.disabled_at is not None:
            update |= {"disabled_at": None, "disabled_reason": None, "attempts": 0}
            update |= {"next_attempt_at": None, "failing_since": None}
        elif not data["enabled"] and stored.disabled_at is None:
            update |= {"disabled_at": utcnow(), "disabled_reason": "Disabled through the API."}
        Webhook.update(**update).where(Webhook.id == webhook_id).execute()
        return saved(webhook_id)

    @write(target=locked, scope="admin")
    @blp.response(204)
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], **ADMIN)
    def delete(self, webhook_id, stored):
        """Delete a webhook subscription

        Nothing more is sent to it; its delivery log goes with it.
        """
        subscriptions.forget(webhook_id)
        return "", 204
