"""Liveness and readiness."""

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields
from peewee import PeeweeException

from api.db import db
from api.http.blueprint import Blueprint
from api.migrations import LATEST, current_version
from api.services.subscriptions import backlog_summary

blp = Blueprint("health", __name__, description="Service health, for load balancers.")


class Health(Schema):
    status = fields.String(metadata={"example": "ok"})


class SubscriptionBacklog(Schema):
    id = fields.String()
    enabled = fields.Boolean()
    backlog = fields.Integer(metadata={"description": "changes after its cursor, by `seq`"})


class WebhookBacklog(Schema):
    active = fields.Integer(metadata={"description": "subscriptions being delivered"})
    disabled = fields.Integer()
    backlog = fields.Integer(
        metadata={"description": "changes still to go, summed over active subscriptions"}
    )
    subscriptions = fields.List(fields.Nested(SubscriptionBacklog))


class Readiness(Schema):
    status = fields.String(metadata={"example": "ready"})
    schema_version = fields.Integer(metadata={"example": LATEST})
    webhooks = fields.Nested(WebhookBacklog)


@blp.route("/healthz")
class Healthz(MethodView):
    @blp.response(200, Health)
    def get(self):
        """Liveness

        Answers while the process serves requests; it does not touch the database.
        """
        return {"status": "ok"}


@blp.route("/readyz")
class Readyz(MethodView):
    @blp.response(200, Readiness)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Readiness

        200 when the database answers and its schema is the one this version needs (or a newer
        one, during a rolling deploy); else a 503 problem saying which. Load balancers send
        traffic only to ready instances.
        """
        try:
            # Check on a new connection: the one a worker keeps would not notice a database
            # that went away and came back (or an SQLite file swapped under it).
            if not db.is_closed():
                db.close()
            db.execute_sql("SELECT 1")
            version = current_version()
        except PeeweeException as exc:
            abort(
                503,
                message=f"The database cannot be reached: {type(exc).__name__}.",
                headers={"Retry-After": "5"},
            )
        # A newer schema is ready too: migrations within v1 only add, so instances of the
        # version before keep serving while a rolling deploy replaces them.
        if version < LATEST:
            abort(
                503,
                message=f"The database schema is at version {version}, this version "
                f"needs {LATEST}: run `meetings migrate`.",
                headers={"Retry-After": "30"},
            )
        return {"status": "ready", "schema_version": version, "webhooks": backlog_summary()}
