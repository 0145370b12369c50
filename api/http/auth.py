"""API keys: created on the command line, shown once, stored as a hash; checked on writes."""

import functools
import hashlib
import hmac
import secrets

from flask import g, request
from flask_smorest import abort

from api.http import ratelimit
from api.http.access_log import api_key_used
from api.models import ApiKey, utcnow

PREFIX = "mr"
SCHEME = "bearerAuth"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# What a key may do: `write` meetings, people and sources; `admin`: manage webhooks.
SCOPES = ("write", "admin")


def create_key(name: str, scopes=("write",)) -> str:
    """A new key for `name`; only its hash is kept, so this is the one time it is seen."""
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    ApiKey.create(name=name, key_id=key_id, key_hash=_hash(key), scopes=" ".join(scopes))
    return key


def revoke_key(name: str) -> bool:
    return bool(
        ApiKey.update(revoked_at=utcnow())
        .where((ApiKey.name == name) & ApiKey.revoked_at.is_null())
        .execute()
    )


def _unauthorized(detail: str, error: str | None):
    ratelimit.authentication_failed()
    challenge = 'Bearer realm="meetings"' + (f', error="{error}"' if error else "")
    abort(401, message=detail, headers={"WWW-Authenticate": challenge})


def authenticate(scope: str = "write") -> ApiKey:
    """The valid, unrevoked key the request carries, with its write counted; else a 401, a
    403 when the key lacks `scope`, or a 429 once the client's address has failed too often or
    the key's writes are spent."""
    ratelimit.check_authentication_failures()
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if not header:
        _unauthorized("Writing needs an API key: send `Authorization: Bearer <key>`.", None)
    if scheme.lower() != "bearer":
        # RFC 6750 3.1: no error code for a request that does not use this scheme at all.
        _unauthorized("The Authorization header must be `Bearer <key>`.", None)
    if not key.strip():
        _unauthorized("The Authorization header must be `Bearer <key>`.", "invalid_request")
    key = key.strip()
    parts = key.split("_", 2)  # the secret part may itself contain "_"
    row = None
    if len(parts) == 3 and parts[0] == PREFIX:
        row = ApiKey.get_or_none(ApiKey.key_id == parts[1])
    # Compare hashes in constant time, and compare something even for an unknown key id.
    stored = row.key_hash if row else _hash(secrets.token_hex(16))
    if not hmac.compare_digest(stored, _hash(key)) or row is None or row.revoked_at:
        _unauthorized("The API key is not valid, or has been revoked.", "invalid_token")
    if scope not in (row.scopes or "write").split():
        abort(
            403,
            message=f"This key lacks the `{scope}` scope: `meetings keys create NAME --scope "
            f"{scope}` makes one that has it.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    ratelimit.spend_write(row.key_id)
    ApiKey.update(last_used_at=utcnow()).where(ApiKey.id == row.id).execute()
    api_key_used(row.name)
    return row


def require_key(scope: str = "write"):
    """A view that needs a valid key with `scope` (reads of the records stay public)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.api_key = authenticate(scope)
            return view(*args, **kwargs)

        return wrapper

    return decorate
