"""The Meeting Records API: `create_app` wires settings, database, errors and blueprints."""

import flask_smorest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import access_log, auth, cors, db, ratelimit, security
from .config import load
from .errors import ProblemErrors
from .openapi import DESCRIPTION, RateLimited
from .resources import changes, countries, docs, health, meetings, people, sources, topics


class Api(ProblemErrors, flask_smorest.Api):
    """flask-smorest's Api, speaking problem+json."""


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config.update(load(config))
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    if proxies := app.config["MEETINGS_TRUSTED_PROXIES"]:
        # The client address (for logs and read limits) and the scheme (for links) come from
        # the proxies' X-Forwarded-* headers, trusting only as many hops as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    # Before-request hooks run in the order registered (after-request ones in reverse): the
    # access log first, so it times everything and logs the final status, and a CORS
    # preflight is answered before the database or the rate limits are touched.
    access_log.init_app(app)
    cors.init_app(app)
    security.init_app(app)
    db.init_app(app)
    ratelimit.init_app(app)
    api = Api(
        spec_kwargs={
            "info": {"description": DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
            "extra_plugins": [RateLimited()],
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
