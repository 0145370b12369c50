"""The Flask app: settings, database, errors, blueprints and the WSGI middleware."""

import inspect

import flask_smorest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import access_log, auth, db, public_url, ratelimit, request_limits, security
from .config import load
from .errors import ProblemErrors
from .openapi import DESCRIPTION, RateLimited
from .reads import Reads
from .resources import changes, countries, docs, health, meetings, people, sources, topics


class Api(ProblemErrors, flask_smorest.Api):
    """flask-smorest's Api, speaking problem+json."""


class App(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask and flask-smorest ask it of every hook, view and decorator layer on every request
    (`ensure_sync`), through `inspect`: about a dozen times a request, for an answer that never
    changes. Methods are keyed by their function, since views bind them anew on each request.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._is_async: dict = {}

    def ensure_sync(self, func):
        key = getattr(func, "__func__", func)
        is_async = self._is_async.get(key)
        if is_async is None:
            is_async = self._is_async[key] = inspect.iscoroutinefunction(func)
        return self.async_to_sync(func) if is_async else func


def create_app(config: dict | None = None) -> Flask:
    app = App(__name__, static_folder=None)
    app.config.update(load(config))
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    request_limits.init_app(app)  # first: an oversize request is refused before all else
    db.init_app(app)
    read_budget = ratelimit.init_app(app)
    # WSGI middleware, innermost first. Reads of one meeting and JSON pages of meetings are
    # answered before Flask dispatches. The access log times everything, logs the final
    # status, adds the CORS and security headers, and answers a CORS preflight before the
    # database or the rate limits are touched.
    app.wsgi_app = Reads(app.wsgi_app, read_budget)
    access_log.init_app(app)
    public_url.init_app(app)  # links from the public URL, never a client's Host
    if proxies := app.config["MEETINGS_TRUSTED_PROXIES"]:
        # The client address (for logs and read limits) and the scheme (for links) come from
        # the proxies' X-Forwarded-* headers, trusting only as many hops as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
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
    swagger_ui = docs.docs_blueprint()
    security.init_docs(swagger_ui)
    app.register_blueprint(swagger_ui)
    return app
