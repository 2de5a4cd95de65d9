"""Password hashing (argon2id) and the password policy.

Hashing is deliberately slow, so it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import os
import threading

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput
from core.i18n import lazy

MIN_LENGTH = 12
COMMON = {"motdepasse123", "azertyuiop12", "123456789012", "password1234", "tremplin1234"}
# OWASP's argon2id setting (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane), not argon2-cffi's default
# of 64 MiB and 4 lanes: a burst of logins (a training morning, a pairing of phones) then costs a process 19 MiB per
# hash under way instead of 64, and no more hashes run at once than there are cores (they are CPU-bound anyway:
# more would only hold more memory). Older hashes are rehashed at their next login (services.log_in).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_hashing = threading.BoundedSemaphore(os.cpu_count() or 1)
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
    return await rehash(password)


async def rehash(password: str) -> str:
    """A password already accepted (at its login), hashed at today's cost: the policy may have changed since."""
    return await anyio.to_thread.run_sync(_hash, password)


def _hash(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    ok = await anyio.to_thread.run_sync(_verify, password_hash or _DUMMY_HASH, password)
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
