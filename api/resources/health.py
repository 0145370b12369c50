"""Liveness."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

blp = Blueprint("health", __name__, description="Service health.")


class Health(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Healthz(MethodView):
    @blp.response(200, Health)
    def get(self):
        """Liveness

        Answers while the process serves requests; it does not touch the database.
        """
        return {"status": "ok"}
