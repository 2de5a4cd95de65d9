"""Helpers for the events tests: an organiser, their console client and API calls."""

from __future__ import annotations

from accounts.services import CurrentUser, load_current_user, session_fingerprint
from accounts.tables import Organisation, OrganisationKind, Role
from tests.support import login, make_organisation, make_user


async def organiser(
    client, email: str = "sophie@collectif.test", name: str = "Collectif Drôme", role: Role = Role.organiser
) -> tuple[Organisation, CurrentUser]:
    organisation = await make_organisation(name, OrganisationKind.collectif)
    user = await make_user(email, organisation, role)
    await login(client, email)
    return organisation, await principal(user)


async def principal(user) -> CurrentUser:
    return await load_current_user(user.id, session_fingerprint(user.password_hash))


async def api(client, method: str, path: str, json=None):
    from tests.support import csrf_token

    return await client.request(method, path, json=json, headers={"x-csrftoken": csrf_token(client)})
