"""Parcours' test data: an SIAE (an ACI) and its counsellor, supervisor and manager; a partner Mission Locale and
the adviser who referred a youth to the ACI's information session; a parcours opened for that youth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Partnership, Role, User
from parcours import services
from registration.tables import Participant
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event
from tests.factories.registration import make_registration, make_youth


@dataclass
class Hiring:
    siae: Organisation
    ml: Organisation
    counsellor: CurrentUser  # the ACI's CIP
    supervisor: User
    manager: User
    adviser: CurrentUser  # the youth's adviser at the Mission Locale
    adviser_user: User
    youth: Participant


async def hiring(*, partners: bool = True, youth_email: str = "lea@example.org") -> Hiring:
    siae = await make_organisation("ACI Les Jardins de Valence", OrganisationKind.siae)
    ml = await make_organisation("Mission Locale Valence", OrganisationKind.mission_locale)
    counsellor = await make_user("karim@aci.test", siae, Role.staff)
    supervisor = await make_user("paul@aci.test", siae, Role.staff)
    manager = await make_user("direction@aci.test", siae, Role.admin)
    adviser = await make_user("claire@ml.test", ml, Role.adviser)
    if partners:
        await Partnership(owner=siae.id, partner=ml.id).save()
    youth = await make_youth(siae, "Léa", "Martin", phone="+33611223344", email=youth_email)
    info = await make_event(siae, title="Info-coll de l'ACI")
    await make_registration(info, youth, referred_by=adviser.id, referring_organisation=ml.id)
    return Hiring(siae, ml, await principal(counsellor), supervisor, manager, await principal(adviser), adviser, youth)


async def open_for(world: Hiring, start: date, end: date, *, now=None, **fields) -> int:
    data = services.ParcoursInput(
        participant_id=world.youth.id,
        contract_start=start,
        contract_end=end,
        **({"adviser_id": world.adviser.id, "supervisor_id": world.supervisor.id} | fields),
    )
    return await services.open_parcours(world.counsellor, world.siae.id, data, now=now)
