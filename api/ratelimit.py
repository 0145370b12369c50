"""Rate limits: reads per client address, writes per API key, failed authentications per
client address; each is one budget for the whole API.

Flask-Limiter applies the read limit before each request. Writes are counted after
authentication, per key that proved itself: a wrong secret sent with a real key's id spends
nothing of that key's budget. It spends its client address's budget of failed authentications,
as does a made-up key; over that budget, every write from the address is a 429 until the window
ends, before any key is checked, so that guessing learns nothing more.

The headers are written here. Flask-Limiter's own would put Retry-After on every response (and
overwrite a 503's), and give RateLimit-Reset as a timestamp where the IETF RateLimit fields give
seconds.
"""

import math
import time
from typing import NamedTuple

from flask import current_app, g, request
from flask_limiter import ApplicationLimit, Limiter
from flask_smorest import abort
from limits import parse_many

READS = ("GET", "HEAD")
# Probes and the docs page stay reachable whatever a client has spent.
UNLIMITED = ("/healthz", "/readyz")
EXTENSION = "meetings.budgets"
HEADERS = "rate_limit_headers"  # on flask.g: the headers of a budget counted in the view


def client_address() -> str:
    return request.remote_addr or "unknown"


def _unlimited() -> bool:
    path = request.path
    return path in UNLIMITED or path == "/docs" or path.startswith("/docs/")


def _message(what: str, limits: str) -> str:
    return f"Too many {what}: the limit is {limits}. Retry after the seconds given in Retry-After."


def _window_headers(amount: int, reset_time: float, remaining: int) -> list[tuple[str, str]]:
    seconds = max(1, math.ceil(reset_time - time.time()))
    return [
        ("RateLimit-Limit", str(amount)),
        ("RateLimit-Remaining", str(remaining)),
        ("RateLimit-Reset", str(seconds)),
    ]


class Count(NamedTuple):
    allowed: bool
    headers: list[tuple[str, str]]  # RateLimit-*, and Retry-After when not allowed


class Budget:
    """One configured limit, counted in Flask-Limiter's store under one scope, by the app once
    it knows what to count (a write's key, a failed authentication)."""

    def __init__(self, limiter: Limiter, limits: str, scope: str, what: str):
        self.limiter, self.scope = limiter, scope
        # In Flask-Limiter's order: each is hit in turn, and the first names the headers.
        self.limits = sorted(parse_many(limits))
        self.message = _message(what, limits)

    def spend(self, key: str) -> Count | None:
        """Counts one request; None when the store cannot say (the request then goes on)."""
        return self._count(key, hit=True)

    def check(self, key: str) -> Count | None:
        """Whether one more would be allowed, counting nothing."""
        return self._count(key, hit=False)

    def _count(self, key: str, *, hit: bool) -> Count | None:
        strategy = self.limiter.limiter
        try:
            for limit in self.limits:
                allowed = (strategy.hit if hit else strategy.test)(limit, key, self.scope)
                if not allowed:
                    return Count(False, self._headers(limit, key, breached=True))
            return Count(True, self._headers(self.limits[0], key, breached=False))
        except Exception:  # the store went away (redis restarting): let the request through
            return None

    def _headers(self, limit, key: str, *, breached: bool) -> list[tuple[str, str]]:
        reset_time, remaining = self.limiter.limiter.get_window_stats(limit, key, self.scope)
        headers = _window_headers(limit.amount, reset_time, remaining)
        return [*headers, ("Retry-After", headers[-1][1])] if breached else headers


class Budgets(NamedTuple):
    """The budgets counted by the app itself, each None when its limit is off (reads are
    counted by Flask-Limiter, before each request)."""

    writes: Budget | None
    failures: Budget | None


def _budgets() -> Budgets | None:
    return current_app.extensions.get(EXTENSION)


def _counted(count: Count | None, budget: Budget) -> None:
    """Shows the budget last counted in the response's headers; a 429 once it is spent."""
    if count is None:
        return
    setattr(g, HEADERS, count.headers)
    if not count.allowed:
        abort(429, message=budget.message, headers=dict(count.headers))


def check_authentication_failures() -> None:
    """Before a key is checked: a 429 when the client's address has failed too often."""
    if budgets := _budgets():
        if budget := budgets.failures:
            _counted(budget.check(client_address()), budget)


def authentication_failed() -> None:
    """Counts a failed authentication against the client's address."""
    if budgets := _budgets():
        if budget := budgets.failures:
            # This failure is answered 401 whatever the count: the next one gets the 429.
            if (count := budget.spend(client_address())) is not None:
                setattr(g, HEADERS, count.headers)


def spend_write(key_id: str) -> None:
    """Counts a write with an authenticated key: a 429 once the key's budget is spent."""
    if budgets := _budgets():
        if budget := budgets.writes:
            _counted(budget.spend(f"key:{key_id}"), budget)


def _headers(limiter: Limiter, response):
    headers = g.get(HEADERS)
    if headers is None:
        headers = _flask_limiter_headers(limiter)
    for name, value in headers:
        response.headers[name] = value
    return response


def _flask_limiter_headers(limiter: Limiter) -> list[tuple[str, str]]:
    current = limiter.current_limit
    if current is None:
        return []
    try:
        reset_time, remaining = current.window
    except Exception:  # the store went away mid-request: answer, just without the headers
        return []
    headers = _window_headers(current.limit.amount, reset_time, remaining)
    return [*headers, ("Retry-After", headers[-1][1])] if current.breached else headers


def init_app(app) -> None:
    """Applies the configured limits."""
    config = app.config
    reads, writes, failures = (
        config[name]
        for name in (
            "MEETINGS_READ_RATE_LIMIT",
            "MEETINGS_WRITE_RATE_LIMIT",
            "MEETINGS_AUTH_FAILURE_LIMIT",
        )
    )
    if reads is None and writes is None and failures is None:
        return None
    read_limits = []
    if reads is not None:
        read_limits.append(
            ApplicationLimit(
                reads,
                key_function=client_address,
                scope="reads",
                methods=READS,
                error_message=_message("reads from this address", reads),
            )
        )
    limiter = Limiter(
        client_address,
        application_limits=read_limits,
        storage_uri=config["MEETINGS_RATELIMIT_STORAGE"],
        strategy="fixed-window",
        headers_enabled=False,
        # Unrouted paths count too: probing for URLs costs us as much as reading.
        request_identifier=lambda: request.endpoint or "unrouted",
        # A store that is down (redis restarting) lets requests through rather than fail them.
        swallow_errors=True,
    )
    limiter.request_filter(_unlimited)
    limiter.init_app(app)  # the storage URI was checked by config.load()
    budgets = Budgets(
        writes and Budget(limiter, writes, "writes", "writes with this API key"),
        failures
        and Budget(limiter, failures, "auth-failures", "failed authentications from this address"),
    )
    app.extensions[EXTENSION] = budgets

    @app.after_request
    def _rate_limit_headers(response):
        return _headers(limiter, response)
