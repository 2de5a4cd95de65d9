"""Signatures as the Standard Webhooks specification writes them (standardwebhooks.com), and the secrets.

Each request carries `webhook-id` (the same on every attempt of one event: the partner drops a copy),
`webhook-timestamp` (Unix seconds: the partner refuses old ones, against replays) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the endpoint's secret
(`whsec_` + base64 of 32 random bytes). The spec is documented and has verifying libraries in many
languages, so a partner does not need our code; Stripe and GitHub sign the same way with their own headers.

The secret must be kept to sign (HMAC needs the key itself, unlike an API token, of which a hash is enough).
It is stored encrypted with a key derived from SECRET_KEY: a copy of the database alone does not reveal it;
changing SECRET_KEY means rotating every endpoint's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet

from core.settings import get_settings

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _fernet() -> Fernet:
    key = hashlib.sha256(b"tremplin-webhooks:" + get_settings().secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    return _fernet().decrypt(stored.encode()).decode()


def signature(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "Tremplin-Webhooks/1",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
    }
