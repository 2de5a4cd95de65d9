"""The one rule of who sees an event and who runs it, on an event already read (events.access)."""

import pytest

from accounts.services import CurrentUser
from accounts.tables import Role
from core.errors import Forbidden, NotFound
from events import access

OWNER, CO_ORGANISER, PRESCRIBER, STRANGER = 1, 2, 3, 4


def _user(**roles: Role) -> CurrentUser:
    ids = {"owner": OWNER, "co": CO_ORGANISER, "prescriber": PRESCRIBER, "stranger": STRANGER}
    return CurrentUser(
        id=9, email="x@example.fr", full_name="X", language="fr", roles={ids[k]: r for k, r in roles.items()}
    )


def _check(user: CurrentUser, minimum: Role | None = None) -> None:
    access.check(user, OWNER, (CO_ORGANISER, PRESCRIBER), (CO_ORGANISER,), minimum=minimum)


def test_the_owner_and_every_partner_see_the_event_and_nobody_else():
    for user in (_user(owner=Role.viewer), _user(co=Role.viewer), _user(prescriber=Role.viewer)):
        _check(user)
    with pytest.raises(NotFound):
        _check(_user(stranger=Role.admin))
    with pytest.raises(NotFound):
        _check(_user())


def test_running_it_takes_the_role_in_the_owner_or_a_co_organiser():
    _check(_user(owner=Role.staff), Role.staff)
    _check(_user(co=Role.organiser), Role.staff)
    with pytest.raises(Forbidden):
        _check(_user(prescriber=Role.admin), Role.staff)
    with pytest.raises(Forbidden):
        _check(_user(owner=Role.viewer), Role.staff)
