"""The Flask app: settings, database, errors, blueprints and the WSGI middleware."""

import flask_smorest
from flask import Flask
from peewee import InterfaceError, OperationalError
from playhouse.pool import MaxConnectionsExceeded
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from api import db
from api.config import load
from api.http import access_log, auth, cors, public_url, ratelimit, request_limits, security
from api.http.errors import ProblemErrors, database_unavailable
from api.http.openapi import (
    DESCRIPTION,
    Linked,
    Named,
    RateLimited,
    Rules,
    SharedEnums,
)
from api.http.openapi_webhooks import add_webhooks
from api.http.resources import (
    changes,
    countries,
    docs,
    dumps,
    facets,
    health,
    index,
    meetings,
    people,
    sources,
    topics,
    webhook_log,  # noqa: F401 (its routes join the webhooks blueprint)
    webhooks,
)
from schemas.meeting import PARTY_OBJECT, RESERVED_IDS
from schemas.person import PersonRefIn
from schemas.source import SourceRefIn
from schemas.webhook import EVENT_TYPES
from schemas.webhook import Event as WebhookEvent


class MeetingIdConverter(BaseConverter):
    """A path segment that is not a name reserved for another resource (`RESERVED_IDS`)."""

    regex = "(?!(?:" + "|".join(RESERVED_IDS) + ")$)[^/]+"


class Api(ProblemErrors, flask_smorest.Api):
    """flask-smorest's Api, speaking problem+json."""


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config.update(load(config))
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    request_limits.init_app(app)  # first: an oversize request is refused before all else
    app.before_request(public_url.exact_path)  # then a path routing would read otherwise
    cors.init_app(app)  # then OPTIONS and preflights, before the database or the rate limits
    db.init_app(app)
    ratelimit.init_app(app)
    # WSGI middleware, innermost first. The access log times everything, logs the final
    # status and adds the CORS and security headers.
    access_log.init_app(app)
    public_url.init_app(app)  # links from the public URL, never a client's Host
    if proxies := app.config["MEETINGS_TRUSTED_PROXIES"]:
        # The client address (for logs and read limits) and the scheme (for links) come from
        # the proxies' X-Forwarded-* headers, trusting only as many hops as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    # A meeting's id in its URL: any segment but the paths of other resources (`facets`).
    app.url_map.converters["meeting_id"] = MeetingIdConverter
    # A path is matched as sent: "/v1//meetings" is a 404 problem as "//v1/meetings" is, not
    # a redirect with an HTML body.
    app.url_map.merge_slashes = False
    api = Api(
        spec_kwargs={
            "info": {
                "description": DESCRIPTION,
                "license": {"name": "MIT", "identifier": "MIT"},
                "contact": {"name": "Meeting Records API"},
            },
            "extra_plugins": [SharedEnums(), Named(), Linked(), RateLimited(), Rules()],
        }
    )
    api.init_app(app)
    # The database away (down, restarting, a broken connection, no pooled connection free in
    # time, a statement past its timeout): a 503, never a 500.
    for error in (OperationalError, InterfaceError, MaxConnectionsExceeded):
        app.register_error_handler(error, database_unavailable)
    api.register_converter(MeetingIdConverter, lambda converter: {"type": "string", "minLength": 1})
    api.spec.components.security_scheme(
        auth.SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "an API key from `meetings keys create NAME`",
        },
    )
    # The people and sources a meeting may give whole, which its fields' `oneOf` names.
    api.spec.components.schema("PersonRefIn", schema=PersonRefIn)
    api.spec.components.schema("SourceRefIn", schema=SourceRefIn)
    api.spec.components.schema("PartyIn", PARTY_OBJECT)
    # What a webhook subscription receives.
    api.spec.components.schema("WebhookEvent", schema=WebhookEvent)
    add_webhooks(api.spec, EVENT_TYPES)
    # flask-smorest names its own page-number pagination schema; these lists page by cursor.
    api.spec.components.schemas.pop("PaginationMetadata", None)
    modules = (
        index,
        facets,
        meetings,
        changes,
        countries,
        people,
        sources,
        topics,
        dumps,
        webhooks,
        health,
    )
    for module in modules:
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.blp)
    swagger_ui = docs.docs_blueprint()
    security.init_docs(swagger_ui)
    app.register_blueprint(swagger_ui)
    return app
