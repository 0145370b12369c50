"""Webhook signing secrets: made, kept encrypted, and used to sign as Standard Webhooks says.

A secret is `whsec_` and 32 random bytes in base64, shown once when made. The database keeps
it encrypted (Fernet) with the server's key, `MEETINGS_WEBHOOK_KEY`, so that a dump of the
database alone does not reveal it. Without that setting the key is a file made on first use
in the data directory (`webhook.key`, readable by its owner only): enough for one machine;
servers and workers on several machines must share `MEETINGS_WEBHOOK_KEY`.
"""

import base64
import datetime as dt
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from platformdirs import user_data_dir
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


class SecretUnreadable(RuntimeError):
    """A stored secret this server's key does not decrypt."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key_file() -> Path:
    return Path(os.environ.get("MEETINGS_DATA_DIR") or user_data_dir("meetings")) / "webhook.key"


def server_key(configured: str | None) -> Fernet:
    """The server's key: the setting's, or the data directory's file (made when missing)."""
    if configured:
        return Fernet(configured)
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def seal(key: Fernet, secret: str) -> str:
    return key.encrypt(secret.encode()).decode()


def unseal(key: Fernet, sealed: str) -> str:
    try:
        return key.decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The subscription's secret does not decrypt with this server's key: every server "
            "and worker needs the same MEETINGS_WEBHOOK_KEY."
        ) from None


def signature(secrets_: list[str], message_id: str, at: dt.datetime, body: bytes) -> str:
    """The `webhook-signature` header: one `v1,<signature>` for each secret, space-separated
    (both the new and the old one while a rotated secret's grace period lasts)."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets_)
