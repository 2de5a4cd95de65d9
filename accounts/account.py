"""A person's own account page: who they are, and how often they get the digest of their youths."""

from __future__ import annotations

from accounts.services import CurrentUser
from accounts.tables import Digest, User
from core.db import write_transaction
from core.errors import InvalidInput
from core.i18n import lazy

DIGEST_LABELS = {
    Digest.event_day: lazy("After each event day: in the evening, what happened to my youths that day"),
    Digest.weekly: lazy("Weekly: on Monday morning, last week and the follow-ups due"),
    Digest.never: lazy("Never"),
}


class UnknownDigest(InvalidInput):
    code = "unknown_digest"
    message = lazy("Choose one of the proposed options.")


async def account_of(user: CurrentUser) -> dict:
    """The person's own record, as their account page shows it."""
    row = await User.select(User.email, User.full_name, User.digest).where(User.id == user.id).first()
    return row or {"email": user.email, "full_name": user.full_name, "digest": Digest.weekly}


async def set_digest(user: CurrentUser, choice: str) -> None:
    """How often the person gets the digest of their youths (outcomes.digest)."""
    if choice not in Digest.__members__:
        raise UnknownDigest(field="digest")
    async with write_transaction():
        await User.update({User.digest: Digest(choice)}).where(User.id == user.id)
