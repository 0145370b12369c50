"""A webhook subscription's secret, delivery log, and sending again (on the webhooks
blueprint)."""

import datetime as dt

from flask.views import MethodView

from api.http.auth import require_key
from api.http.errors import not_found
from api.http.openapi import ADMIN, ETAG_HEADER
from api.http.pagination import from_query, listing, paginate
from api.http.resources.webhooks import admin_errors, blp, found, saved, settings
from api.http.writes import write
from api.models import utcnow
from api.models.webhooks import Webhook, WebhookDelivery
from api.services import subscriptions, webhook_secrets
from schemas.common import PageArgs, envelope
from schemas.webhook import Delivery, Rewind, SecretRotation, WebhookCreated
from schemas.webhook import Webhook as WebhookSchema


@blp.route("/<string:webhook_id>/secret")
class WebhookSecret(MethodView):
    @write(scope="admin")
    @blp.arguments(SecretRotation())
    @blp.response(200, WebhookCreated, headers=ETAG_HEADER)
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.doc(**ADMIN)
    def post(self, data, webhook_id):
        """Rotate a webhook subscription's secret

        A new secret, shown this once. For `grace_seconds` (a day by default, a week at
        most) deliveries carry a signature with the old secret too, so that a receiver can
        move to the new one without missing an event.
        """
        hook = found(webhook_id, lock=True)
        key, now = settings().key, utcnow()
        secret = webhook_secrets.new_secret()
        Webhook.update(
            secret=webhook_secrets.seal(key, secret),
            previous_secret=hook.secret if data["grace_seconds"] else None,
            previous_secret_until=now + dt.timedelta(seconds=data["grace_seconds"])
            if data["grace_seconds"]
            else None,
            revision=hook.revision + 1,
            updated_at=now,
        ).where(Webhook.id == webhook_id).execute()
        return saved(webhook_id, 200, {"secret": secret})


@blp.route("/<string:webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @require_key("admin")
    @blp.arguments(PageArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(Delivery, "DeliveryList"))
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(**ADMIN)
    def get(self, webhook_id, limit, cursor=None):
        """List a webhook subscription's deliveries

        Every attempt, newest first: its change, status code, latency and error.
        """
        found(webhook_id)
        query = WebhookDelivery.select().where(WebhookDelivery.webhook_id == webhook_id)
        rows, links = paginate(
            from_query(query, [(WebhookDelivery.id, True)]),
            key_of=lambda d: [str(d.id)],
            is_key=lambda values: values[0].isdigit(),
            limit=limit,
            cursor=cursor,
            sort="-id",
        )
        return listing([subscriptions.shown(d) for d in rows], links, query.count())


@blp.route("/<string:webhook_id>/rewind")
class WebhookRewind(MethodView):
    @write(scope="admin")
    @blp.arguments(Rewind())
    @blp.response(200, WebhookSchema, headers=ETAG_HEADER)
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.doc(**ADMIN)
    def post(self, data, webhook_id):
        """Send changes again from a seq

        Moves the subscription back, so that every change it takes from `from_seq` on goes
        again, in order (the same `webhook-id`s as before).
        """
        subscriptions.rewind(found(webhook_id, lock=True), data["from_seq"])
        return saved(webhook_id)


# A delivery's id is a database integer: a larger number is no delivery's (404), not an error.
@blp.route("/<string:webhook_id>/deliveries/<int(max=9223372036854775807):delivery_id>/redeliver")
class WebhookRedelivery(MethodView):
    @require_key("admin")
    @blp.response(201, Delivery)
    @admin_errors
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(**ADMIN)
    def post(self, webhook_id, delivery_id):
        """Send one delivery again

        Its change goes again now, beside the subscription's course; the answer is the new
        attempt.
        """
        hook = found(webhook_id)
        delivery = WebhookDelivery.get_or_none(
            (WebhookDelivery.id == delivery_id) & (WebhookDelivery.webhook_id == webhook_id)
        ) or not_found("delivery", str(delivery_id))
        # Sent outside any transaction: no lock is held while the receiver answers.
        return subscriptions.shown(subscriptions.redeliver(hook, delivery, settings())), 201
