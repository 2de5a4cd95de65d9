"""Account rules: organisations, members, login with throttling, password reset."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from accounts import signals as accounts_signals
from accounts import throttle
from accounts.passwords import hash_password, needs_rehash, rehash, verify_password
from accounts.tables import Membership, Organisation, OrganisationKind, PasswordReset, Role, SiaeKind, User
from core import signals
from core.clock import utcnow
from core.db import columns, marks, read, write_transaction
from core.errors import Forbidden, InvalidInput, NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import language, lazy, ngettext
from core.settings import Settings

RESET_VALIDITY = timedelta(hours=1)
ROLE_RANK = {Role.admin: 0, Role.organiser: 1, Role.staff: 2, Role.adviser: 3, Role.viewer: 4}


class InvalidCredentials(Refusal):
    code = "invalid_credentials"
    status_code = 401
    message = lazy("Incorrect e-mail address or password.")


class TooManyAttempts(Refusal):
    code = "too_many_attempts"
    status_code = 429
    message = lazy("Too many attempts: try again in %(wait)s, or reset your password.")


def _wait_words(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(num)s second", "%(num)s seconds", seconds)
    minutes = -(-seconds // 60)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


class ResetLinkInvalid(Refusal):
    code = "reset_link_invalid"
    status_code = 400
    message = lazy("This reset link is not valid. Please ask for a new one.")


class ResetLinkExpired(ResetLinkInvalid):
    code = "reset_link_expired"
    message = lazy("This reset link has expired or was already used. Please ask for a new one.")


class EmailTaken(InvalidInput):
    code = "email_taken"
    message = lazy("An account already exists with this e-mail address.")


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The logged-in person and their role in each of their organisations."""

    id: int
    email: str
    full_name: str
    language: str
    roles: dict[int, Role] = field(default_factory=dict)
    chosen: int | None = None  # the organisation they switched to (session), when they belong to several

    @property
    def organisation_ids(self) -> list[int]:
        return sorted(self.roles)

    @property
    def cache_key(self) -> tuple:
        """Who the user is and what they may see, for the caches of what they see: id and e-mail together are
        never both given to someone else (SQLite may reuse an id), and a change of roles makes a new key."""
        return (self.id, self.email, tuple(sorted(self.roles.items())))

    @property
    def current_organisation(self) -> int | None:
        """The organisation the console's menu leads to: the one chosen, else the first."""
        if self.chosen in self.roles:
            return self.chosen
        return self.organisation_ids[0] if self.roles else None

    def has_role(self, organisation_id: int, *allowed: Role) -> bool:
        role = self.roles.get(organisation_id)
        return role is not None and (not allowed or role in allowed)

    def at_least(self, organisation_id: int, minimum: Role) -> bool:
        role = self.roles.get(organisation_id)
        return role is not None and ROLE_RANK[role] <= ROLE_RANK[minimum]


def require_role(user: CurrentUser, organisation_id: int, minimum: Role) -> None:
    """404 outside the user's organisations (nothing leaks), 403 when the role is too low."""
    if organisation_id not in user.roles:
        raise NotFound()
    if not user.at_least(organisation_id, minimum):
        raise Forbidden()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def session_fingerprint(password_hash: str) -> str:
    """Changes with the password, so a reset logs out every other session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


async def create_organisation(
    name: str, kind: OrganisationKind, *, siae_kind: SiaeKind = SiaeKind.none, **details: str
) -> Organisation:
    if not name.strip():
        raise InvalidInput(lazy("The organisation needs a name."), field="name")
    if kind != OrganisationKind.siae and siae_kind != SiaeKind.none:
        raise InvalidInput(lazy("Only an SIAE has an SIAE kind."), field="siae_kind")
    organisation = Organisation(name=name.strip(), kind=kind, siae_kind=siae_kind, **details)
    async with write_transaction():
        await organisation.save()
    return organisation


async def create_user(email: str, full_name: str, password: str, *, phone: str = "") -> User:
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InvalidInput(lazy("Enter a valid e-mail address."), field="email")
    if not full_name.strip():
        raise InvalidInput(lazy("Enter a name."), field="full_name")
    password_hash = await hash_password(password)
    async with write_transaction():
        if await User.exists().where(User.email == email):
            raise EmailTaken(field="email")
        user = User(email=email, full_name=full_name.strip(), phone=phone, password_hash=password_hash)
        await user.save()
    return user


async def add_member(user_id: int, organisation_id: int, role: Role) -> None:
    async with write_transaction():
        mine = (Membership.user == user_id) & (Membership.organisation == organisation_id)
        if await Membership.exists().where(mine):
            await Membership.update({Membership.role: role}).where(mine)
        else:
            await Membership(user=user_id, organisation=organisation_id, role=role).save()


# Read on every request of a logged-in user: their memberships with the user's columns joined, in one query
# (the join chain built once here); a user without any membership is read on its own.
# Plain SQL: read on every console request, where Piccolo's query building (its joins) cost more than the read.
_USER_AND_MEMBERSHIPS = (
    f"SELECT u.email, u.full_name, u.language, u.password_hash, m.organisation, m.role, m.deactivated_at "
    f'FROM {User._meta.tablename} u LEFT JOIN {Membership._meta.tablename} m ON m."user" = u.id '
    "WHERE u.id = {} AND u.is_active"
)


async def load_current_user(user_id: int, fingerprint: str) -> CurrentUser | None:
    rows = await read(_USER_AND_MEMBERSHIPS, user_id)
    if not rows or session_fingerprint(rows[0]["password_hash"]) != fingerprint:
        return None
    user = rows[0]
    return CurrentUser(
        id=user_id,
        email=user["email"],
        full_name=user["full_name"],
        language=user["language"],
        # someone who left an organisation has no access there
        roles={m["organisation"]: Role(m["role"]) for m in rows if m["organisation"] and m["deactivated_at"] is None},
    )


async def authenticate(email: str, password: str, ip: str, *, now: datetime | None = None) -> User:
    """Check credentials, after taking a try from the throttle (accounts/throttle.py): a wrong password
    costs a try, growing delays follow repeated ones for this account from this IP."""
    now = now or utcnow()
    email = normalise_email(email)
    wait = await throttle.take_try(email, ip, now)
    if wait:
        raise TooManyAttempts(seconds=wait, wait=_wait_words(wait))
    user = await User.objects().where(User.email == email).first()
    ok = await verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise InvalidCredentials()  # the try stays taken
    await throttle.logged_in(email, ip, now)
    values: dict = {User.last_login_at: utcnow()}
    if needs_rehash(user.password_hash):
        values[User.password_hash] = await rehash(password)
    async with write_transaction():
        await User.update(values).where(User.id == user.id)
    user.password_hash = values.get(User.password_hash, user.password_hash)
    return user


def token_hash(token: str) -> str:
    """What the database keeps of a secret link or token (reset links, invitations, API tokens): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


async def request_password_reset(settings: Settings, email: str) -> None:
    """Mail a one-hour reset link if the account exists; say nothing either way."""
    user = await User.objects().where((User.email == normalise_email(email)) & (User.is_active == True)).first()  # noqa: E712
    if user is None:
        return
    token = secrets.token_urlsafe(32)
    link = f"{settings.base_url}/password-reset/{token}"
    with language(user.language):
        subject = _("Reset your Tremplin password")
        text = _(
            "Hello %(name)s,\n\nTo choose a new password, open this link within one hour:\n%(link)s\n\n"
            "If you did not ask for this, ignore this message: your password stays the same.",
            name=user.full_name,
            link=link,
        )
    async with write_transaction():
        reset = PasswordReset(user=user.id, token_hash=token_hash(token), expires_at=utcnow() + RESET_VALIDITY)
        await reset.save()
        await signals.send(
            accounts_signals.mail_to_user, to=user.email, subject=subject, text=text, key=f"password-reset:{reset.id}"
        )


async def reset_password(token: str, new_password: str) -> User:
    password_hash = await hash_password(new_password)
    async with write_transaction():
        reset = await PasswordReset.objects().where(PasswordReset.token_hash == token_hash(token)).first()
        if reset is None:
            raise ResetLinkInvalid()
        if reset.used_at is not None or reset.expires_at <= utcnow():
            raise ResetLinkExpired()
        await PasswordReset.update({PasswordReset.used_at: utcnow()}).where(
            (PasswordReset.user == reset.user) & (PasswordReset.used_at.is_null())
        )
        await User.update({User.password_hash: password_hash}).where(User.id == reset.user)
        user = await User.objects().get(User.id == reset.user)
    return user


async def check_reset_token(token: str) -> None:
    reset = await PasswordReset.objects().where(PasswordReset.token_hash == token_hash(token)).first()
    if reset is None:
        raise ResetLinkInvalid()
    if reset.used_at is not None or reset.expires_at <= utcnow():
        raise ResetLinkExpired()


async def organisations_of(user: CurrentUser) -> list[dict]:
    # Plain SQL: the console's home asks on every visit, and Piccolo's query building cost more than the read.
    if not user.roles:
        return []
    ids = user.organisation_ids
    return await read(
        f"SELECT {columns(Organisation)} FROM {Organisation._meta.tablename} WHERE id IN ({marks(ids)}) ORDER BY name",
        *ids,
    )


async def get_organisation(user: CurrentUser, organisation_id: int) -> dict:
    if organisation_id not in user.roles:
        raise NotFound()
    organisation = await Organisation.select().where(Organisation.id == organisation_id).first()
    if organisation is None:
        raise NotFound()
    return organisation


async def save_privacy_notice(user: CurrentUser, organisation_id: int, notice: str) -> None:
    """The plain-French notice youths read before registering (shown on every public page)."""
    require_role(user, organisation_id, Role.admin)
    async with write_transaction():
        await Organisation.update({Organisation.privacy_notice: notice.strip()[:5000]}).where(
            Organisation.id == organisation_id
        )
