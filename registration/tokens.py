"""A youth's personal tokens: the link to their page (`/r/<token>`), their ticket (what its QR code holds)
and an adviser's proposal link (`/e/<event>?p=<token>`). The one way to make, store, find and show them.

A token is 128 random bits (22 URL-safe characters: a ticket's QR code stays at version 2, ECC M). The
database never holds one in clear. Its row keeps:

- its digest (`*_hash`: the first 128 bits of its SHA-256, in hex), which lookups compare: one indexed
  equality, `column = digest(what was presented)`;
- the token sealed (`*_sealed`: AES-256-GCM, a random 96-bit nonce per seal, under a key derived from
  SECRET_KEY and the token's purpose), so that the app can put the same link in a later reminder, calendar
  invitation, badge or offline check-in list.

A dump of the database alone gives no usable link or ticket; with SECRET_KEY as well it gives them all, as
it would give everyone's session. Why sealed rather than derived from the key (HMAC of a nonce): the tokens
made before they were protected were random and were already sent by text; sealing takes them as they are
(migration `registration_2026_12_06t13_45_01_000000`), so the link a youth already has keeps working and is
still the one later messages carry, with a single lookup column and no second kind of token.

Rotating SECRET_KEY: the links and tickets already given keep opening (lookups need only the digest), but
the app can no longer unseal them to send them again. Put the former key in SECRET_KEY_PREVIOUS (several:
comma-separated) and run `tremplin reseal`, which seals every token again under the new key; until then,
`reveal` tries the former keys. A ticket that cannot be unsealed at all is re-issued when next shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.settings import get_settings

TOKEN_BYTES = 16
NONCE_BYTES = 12
SALT = b"tremplin-personal-tokens"


class Purpose(StrEnum):
    """What a token opens; each has its own key, so a sealed token cannot be moved to another column."""

    manage = "manage"  # the youth's personal page, Registration.manage_*
    ticket = "ticket"  # the QR code checked at the door, Registration.ticket_*
    proposal = "proposal"  # an adviser's pre-filled registration link, Proposal.token_*


class TokenLost(RuntimeError):
    """A sealed token no key opens: SECRET_KEY changed without the former one in SECRET_KEY_PREVIOUS."""


@dataclass(frozen=True, slots=True)
class Issued:
    token: str  # to give (link, QR code); never stored
    hash: str  # the row's `*_hash`
    sealed: str  # the row's `*_sealed`


def digest(token: str) -> str:
    """What a row keeps to find a token: 32 hex characters (128 bits, as many as the token has)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def issue(purpose: Purpose) -> Issued:
    """A new random token, ready to store."""
    return protect(purpose, secrets.token_urlsafe(TOKEN_BYTES))


def for_submission(purpose: Purpose, key: str) -> Issued:
    """The token of a registration sent with the form's submission key (a random value put in each copy of the
    public form): the same key gives the same token, so a youth who sends the form again after getting no
    answer lands on the page of the registration the first sending made (registration.public). Only the
    browser that got the form knows the key; without SECRET_KEY the key says nothing of the token."""
    mac = hmac.new(get_settings().secret_key.encode(), f"{purpose}:{key}".encode(), hashlib.sha256).digest()
    return protect(purpose, base64.urlsafe_b64encode(mac[:TOKEN_BYTES]).rstrip(b"=").decode())


def protect(purpose: Purpose, token: str) -> Issued:
    """What a row keeps of this token (used for new tokens, and by the migration for the older ones)."""
    return Issued(token, digest(token), seal(purpose, token))


def seal(purpose: Purpose, token: str, secret: str | None = None) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    data = _cipher(secret or get_settings().secret_key, purpose).encrypt(nonce, token.encode(), purpose.encode())
    return base64.urlsafe_b64encode(nonce + data).rstrip(b"=").decode()


def reveal(purpose: Purpose, sealed: str) -> str:
    """The token a row keeps sealed, to put in a link or a QR code; TokenLost when no key opens it."""
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    settings = get_settings()
    for secret in (settings.secret_key, *settings.secret_key_previous):
        try:
            return _cipher(secret, purpose).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()).decode()
        except InvalidTag:
            continue
    raise TokenLost(f"A {purpose} token cannot be unsealed: was SECRET_KEY changed? See registration/tokens.py.")


def page_token(sealed: str) -> str:
    """The personal page's token from a registration's `manage_sealed`; "" when it has none (an erased youth's)."""
    return reveal(Purpose.manage, sealed) if sealed else ""


async def reseal() -> dict[str, int]:
    """Seal every token again under the current SECRET_KEY (after a rotation, the former key in
    SECRET_KEY_PREVIOUS); how many of each purpose. Tokens no key opens are left as they are and counted as
    `lost`: their links still open, and a lost ticket is re-issued when next shown."""
    from core.db import write_transaction
    from registration.tables import Proposal, Registration

    done = {"manage": 0, "ticket": 0, "proposal": 0, "lost": 0}
    for table, column, purpose in (
        (Registration, Registration.manage_sealed, Purpose.manage),
        (Registration, Registration.ticket_sealed, Purpose.ticket),
        (Proposal, Proposal.token_sealed, Purpose.proposal),
    ):
        rows = await table.select(table.id, column.as_alias("sealed")).where(column.is_not_null() & (column != ""))
        for row in rows:
            try:
                token = reveal(purpose, row["sealed"])
            except TokenLost:
                done["lost"] += 1
                continue
            async with write_transaction():
                await table.update({column: seal(purpose, token)}).where(table.id == row["id"])
            done[purpose.value] += 1
    return done


def personal_link(token: str) -> str:
    """The youth's personal page, as messages and calendars give it."""
    return f"{get_settings().base_url}/r/{token}"


@lru_cache(maxsize=16)
def _cipher(secret: str, purpose: Purpose) -> AESGCM:
    key = HKDF(algorithm=SHA256(), length=32, salt=SALT, info=purpose.encode()).derive(secret.encode())
    return AESGCM(key)
