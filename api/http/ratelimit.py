"""Rate limits: reads per client address, writes per API key, failed authentications per
client address; each is one budget for the whole API, counted in a `limits` store (memory or
redis) with fixed windows.

A hook counts each read before its view runs. Writes are counted after
authentication, per key that proved itself: a wrong secret sent with a real key's id spends
nothing of that key's budget. It spends its client address's budget of failed authentications,
as does a made-up key; over that budget, every write from the address is a 429 until the window
ends, before any key is checked, so that guessing learns nothing more.

The headers (the IETF RateLimit fields, RateLimit-Reset in seconds) are those of the budget
last counted, and Retry-After only on a 429. `limits` is used directly rather than through
Flask-Limiter, which worked out which limits apply to each request anew, a quarter of the cost
of a read of one meeting.
"""

import math
import time
from typing import NamedTuple

from flask import current_app, g, request
from flask_smorest import abort
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from api.http.cors import READS

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
    """One configured limit (one or more rates), counted in the store under one scope."""

    def __init__(self, strategy: RateLimiter, limits: str, scope: str, what: str):
        self.strategy, self.scope = strategy, scope
        # Each is hit in turn, and the first names the headers.
        self.limits = sorted(parse_many(limits))
        self.message = _message(what, limits)

    def spend(self, key: str) -> Count | None:
        """Counts one request; None when the store cannot say (the request then goes on)."""
        return self._count(key, hit=True)

    def check(self, key: str) -> Count | None:
        """Whether one more would be allowed, counting nothing."""
        return self._count(key, hit=False)

    def _count(self, key: str, *, hit: bool) -> Count | None:
        strategy = self.strategy
        try:
            for limit in self.limits:
                allowed = (strategy.hit if hit else strategy.test)(limit, key, self.scope)
                if not allowed:
                    return Count(False, self._headers(limit, key, breached=True))
            return Count(True, self._headers(self.limits[0], key, breached=False))
        except Exception:  # the store went away (redis restarting): let the request through
            return None

    def _headers(self, limit, key: str, *, breached: bool) -> list[tuple[str, str]]:
        reset_time, remaining = self.strategy.get_window_stats(limit, key, self.scope)
        headers = _window_headers(limit.amount, reset_time, remaining)
        return [*headers, ("Retry-After", headers[-1][1])] if breached else headers


class Budgets(NamedTuple):
    """The budgets, each None when its limit is off."""

    reads: Budget | None
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


def spend_read() -> None:
    """Before a read's view: counts it against the client's address, a 429 once spent."""
    if request.method in READS and not _unlimited():
        if budgets := _budgets():
            if budget := budgets.reads:
                _counted(budget.spend(client_address()), budget)


def _headers(response):
    for name, value in g.get(HEADERS, ()):
        response.headers[name] = value
    return response


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
        return
    # The storage URI was checked by config.load().
    strategy = FixedWindowRateLimiter(storage_from_string(config["MEETINGS_RATELIMIT_STORAGE"]))
    app.extensions[EXTENSION] = Budgets(
        reads and Budget(strategy, reads, "reads", "reads from this address"),
        writes and Budget(strategy, writes, "writes", "writes with this API key"),
        failures
        and Budget(strategy, failures, "auth-failures", "failed authentications from this address"),
    )
    if reads is not None:
        app.before_request(spend_read)
    app.after_request(_headers)
