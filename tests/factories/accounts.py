"""Organisations, users and their memberships, a user as the app sees them, an organiser logged in."""

from __future__ import annotations

from accounts import services as accounts
from accounts.services import CurrentUser, load_current_user, session_fingerprint
from accounts.tables import Organisation, OrganisationKind, Role, User
from tests.support import PASSWORD, login


async def make_organisation(name: str, kind: OrganisationKind = OrganisationKind.mission_locale) -> Organisation:
    return await accounts.create_organisation(name, kind)


async def make_user(email: str, organisation: Organisation | None = None, role: Role = Role.organiser) -> User:
    """A user whose password is PASSWORD, member of `organisation` with `role` when one is given."""
    user = await accounts.create_user(email, email.split("@")[0].title(), PASSWORD)
    if organisation is not None:
        await add_member(user, organisation, role)
    return user


async def add_member(user: User, organisation: Organisation, role: Role = Role.organiser) -> None:
    await accounts.add_member(user.id, organisation.id, role)


async def principal(user: User) -> CurrentUser:
    """The user as a request sees them once logged in: what the services take."""
    return await load_current_user(user.id, session_fingerprint(user.password_hash))


async def organiser(
    client, email: str = "sophie@collectif.test", name: str = "Collectif Drôme", role: Role = Role.organiser
) -> tuple[Organisation, CurrentUser]:
    """A collectif and its organiser, logged in on `client`."""
    organisation = await make_organisation(name, OrganisationKind.collectif)
    user = await make_user(email, organisation, role)
    await login(client, email)
    return organisation, await principal(user)
