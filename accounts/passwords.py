"""Password hashing (argon2id) and the password policy.

Hashing is deliberately slow, so it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput
from core.i18n import lazy

MIN_LENGTH = 12
COMMON = {"motdepasse123", "azertyuiop12", "123456789012", "password1234", "tremplin1234"}
_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so that the
# response time does not reveal which e-mails have an account.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class WeakPassword(InvalidInput):
    code = "weak_password"
    message = lazy("Choose a password of at least 12 characters that is not too common.")


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH or password.lower() in COMMON or len(set(password)) < 5:
        raise WeakPassword(field="password")


async def hash_password(password: str) -> str:
    check_policy(password)
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    ok = await anyio.to_thread.run_sync(_verify, password_hash or _DUMMY_HASH, password)
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
