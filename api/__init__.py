"""The Meeting Records API: `create_app` wires settings, database, errors and blueprints."""

import flask_smorest
from flask import Flask

from . import auth, db
from .config import load
from .errors import ProblemErrors
from .openapi import DESCRIPTION
from .resources import changes, countries, docs, health, meetings, people, sources, topics


class Api(ProblemErrors, flask_smorest.Api):
    """flask-smorest's Api, speaking problem+json."""


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config.update(load(config))
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    db.init_app(app)
    api = Api(
        spec_kwargs={
            "info": {"description": DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
        }
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        auth.SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "an API key from `meetings keys create NAME`",
        },
    )
    for module in (meetings, changes, countries, people, sources, topics, health):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.blp)
    app.register_blueprint(docs.docs_blueprint())
    return app
