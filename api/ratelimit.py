"""Rate limits: reads per client address, writes per API key, each one budget for the whole API.

Flask-Limiter counts; the headers are written here. Its own headers would put Retry-After on
every response (and overwrite a 503's), and give RateLimit-Reset as a timestamp where the IETF
RateLimit fields give seconds.
"""

import math
import time

from flask import request
from flask_limiter import ApplicationLimit, Limiter

from .auth import PREFIX

READS = ("GET", "HEAD")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Probes and the docs page stay reachable whatever a client has spent.
UNLIMITED = ("/healthz", "/readyz")


def client_address() -> str:
    return request.remote_addr or "unknown"


def writer() -> str:
    """The key id of `Authorization: Bearer mr_<id>_<secret>`, else the client's address.

    Limits run before authentication, so the id is not checked here; a made-up one gets a
    401 from authentication all the same.
    """
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    parts = key.strip().split("_", 2)
    if scheme.lower() == "bearer" and len(parts) == 3 and parts[0] == PREFIX and parts[1]:
        return f"key:{parts[1]}"
    return f"address:{client_address()}"


def _unlimited() -> bool:
    path = request.path
    return path in UNLIMITED or path == "/docs" or path.startswith("/docs/")


def _limits(config) -> list[ApplicationLimit]:
    wanted = [
        ("MEETINGS_READ_RATE_LIMIT", "reads", READS, client_address, "reads from this address"),
        ("MEETINGS_WRITE_RATE_LIMIT", "writes", WRITES, writer, "writes with this API key"),
    ]
    return [
        ApplicationLimit(
            config[name],
            key_function=key,
            scope=scope,
            methods=methods,
            error_message=f"Too many {what}: the limit is {config[name]}. "
            "Retry after the seconds given in Retry-After.",
        )
        for name, scope, methods, key, what in wanted
        if config[name] is not None
    ]


def _headers(limiter: Limiter, response):
    current = limiter.current_limit
    if current is None:
        return response
    try:
        reset_time, remaining = current.window
    except Exception:  # the store went away mid-request: answer, just without the headers
        return response
    seconds = max(1, math.ceil(reset_time - time.time()))
    response.headers["RateLimit-Limit"] = str(current.limit.amount)
    response.headers["RateLimit-Remaining"] = str(remaining)
    response.headers["RateLimit-Reset"] = str(seconds)
    if current.breached:
        response.headers["Retry-After"] = str(seconds)
    return response


def init_app(app) -> None:
    limits = _limits(app.config)
    if not limits:
        return
    limiter = Limiter(
        client_address,
        application_limits=limits,
        storage_uri=app.config["MEETINGS_RATELIMIT_STORAGE"],
        strategy="fixed-window",
        headers_enabled=False,
        # Unrouted paths count too: probing for URLs costs us as much as reading.
        request_identifier=lambda: request.endpoint or "unrouted",
        # A store that is down (redis restarting) lets requests through rather than fail them.
        swallow_errors=True,
    )
    limiter.request_filter(_unlimited)
    limiter.init_app(app)  # the storage URI was checked by config.load()

    @app.after_request
    def _rate_limit_headers(response):
        return _headers(limiter, response)
