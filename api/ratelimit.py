"""Rate limits: reads per client address, writes per API key, each one budget for the whole API.

Flask-Limiter counts; the headers are written here. Its own headers would put Retry-After on
every response (and overwrite a 503's), and give RateLimit-Reset as a timestamp where the IETF
RateLimit fields give seconds.
"""

import math
import time

from flask import request
from flask_limiter import ApplicationLimit, Limiter
from limits import parse_many

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
    headers = _window_headers(current.limit.amount, reset_time, remaining)
    response.headers.update(headers)
    if current.breached:
        response.headers["Retry-After"] = headers[-1][1]
    return response


def _window_headers(amount: int, reset_time: float, remaining: int) -> list[tuple[str, str]]:
    seconds = max(1, math.ceil(reset_time - time.time()))
    return [
        ("RateLimit-Limit", str(amount)),
        ("RateLimit-Remaining", str(remaining)),
        ("RateLimit-Reset", str(seconds)),
    ]


class ReadBudget:
    """The read limit, counted for a request Flask does not see (`reads.Reads`).

    It hits the same store with the same limit, key (the client's address) and scope as the
    `reads` limit Flask-Limiter applies, so both kinds of read spend one budget.
    """

    def __init__(self, limiter: Limiter, limits: str):
        self.limiter = limiter
        # In Flask-Limiter's order: each is hit in turn, and the first names the headers.
        self.limits = sorted(parse_many(limits))

    def spend(self, address: str) -> list[tuple[str, str]] | None:
        """Counts one read: its RateLimit headers, or None when the budget is spent or the
        store cannot say (the request then goes to Flask, which answers as it would)."""
        strategy = self.limiter.limiter
        try:
            for limit in self.limits:
                if not strategy.hit(limit, address, "reads"):
                    return None
            first = self.limits[0]
            reset_time, remaining = strategy.get_window_stats(first, address, "reads")
        except Exception:
            return None
        return _window_headers(first.amount, reset_time, remaining)


def init_app(app) -> ReadBudget | None:
    """Applies the configured limits; the read budget for middleware, when reads are limited."""
    limits = _limits(app.config)
    if not limits:
        return None
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

    if (reads := app.config["MEETINGS_READ_RATE_LIMIT"]) is not None:
        return ReadBudget(limiter, reads)
    return None
