"""An admin runs the organisation's people from the console: invitations by e-mail, roles, departures with a
hand-over to a colleague, and the audit log that keeps track of it."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import timedelta

import httpx

from accounts import members
from accounts.services import token_hash
from accounts.tables import ApiToken, AuditEntry, Invitation, Membership, OrganisationKind, Role, User
from checkin.tables import Device
from core.clock import utcnow
from events.tables import Event
from messaging.outbox import deliver_due
from messaging.tables import OutboxMessage
from registration.tables import ReferralLink, Registration
from tests.factories.accounts import make_organisation, make_user, organiser, principal
from tests.factories.registration import make_registration, make_youth, published_event
from tests.support import PASSWORD, login, post_form, text_of


def text(response) -> str:
    return html.unescape(response.text)


async def _invitation_link(settings, smtp_server) -> str:
    await deliver_due(dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port))
    mail = (await smtp_server.wait_for(1))[-1]
    return re.search(r"http://\S+/invitations/\S+", text_of(mail)).group(0)


async def test_an_admin_invites_a_colleague_who_joins_from_the_mail_and_logs_in(client, app, settings, smtp_server):
    organisation, _admin = await organiser(client, role=Role.admin)
    sent = await post_form(
        client, f"/organisations/{organisation.id}/invitations", {"email": "Nadia@ML.test ", "role": "staff"}
    )
    assert sent.status_code == 302
    link = await _invitation_link(settings, smtp_server)
    assert "Collectif Drôme" in text_of(smtp_server.messages[-1])

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as newcomer:
        form = await newcomer.get(link.replace(str(settings.base_url), ""))
        assert "Rejoindre Collectif Drôme" in text(form)
        joined = await post_form(
            newcomer,
            link.replace(str(settings.base_url), ""),
            {"full_name": "Nadia Mansouri", "password": PASSWORD, "password_confirm": PASSWORD},
        )
        assert joined.status_code == 302
        assert "Collectif Drôme" in text(await newcomer.get("/"))
        again = await newcomer.get(link.replace(str(settings.base_url), ""))
        assert "déjà été utilisée" in text(again)

    user = await User.objects().get(User.email == "nadia@ml.test")
    role = await Membership.select(Membership.role).where(Membership.user == user.id).first()
    assert role["role"] == Role.staff
    actions = [e["action"] for e in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions == ["invitation_sent", "invitation_accepted"]


async def test_an_invitation_to_a_member_an_expired_link_and_a_withdrawn_one_are_refused(client):
    organisation, admin = await organiser(client, role=Role.admin)
    refused = await post_form(
        client, f"/organisations/{organisation.id}/invitations", {"email": admin.email, "role": "staff"}
    )
    assert refused.status_code == 409 and "est déjà membre" in text(refused)
    assert await Invitation.count() == 0

    invitation = await members.invite(admin, organisation.id, "karim@ml.test", Role.adviser)
    token = "a-known-token"
    await Invitation.update({Invitation.token_hash: token_hash(token)}).where(Invitation.id == invitation)
    await Invitation.update({Invitation.expires_at: utcnow() - timedelta(minutes=1)}).where(Invitation.id == invitation)
    assert "a expiré" in text(await client.get(f"/invitations/{token}"))
    await members.revoke(admin, organisation.id, invitation)
    assert "déjà été utilisée ou retirée" in text(await client.get(f"/invitations/{token}"))
    assert await User.count().where(User.email == "karim@ml.test") == 0


async def test_the_last_admin_can_be_neither_demoted_nor_deactivated(client):
    organisation, admin = await organiser(client, role=Role.admin)
    mine = await Membership.select(Membership.id).where(Membership.user == admin.id).first()
    refused = await post_form(client, f"/organisations/{organisation.id}/members/{mine['id']}/role", {"role": "viewer"})
    assert refused.status_code == 409 and "seul·e admin" in text(refused)
    refused = await post_form(client, f"/organisations/{organisation.id}/members/{mine['id']}/deactivate", {})
    assert refused.status_code == 409
    assert (await Membership.select(Membership.role).where(Membership.id == mine["id"]).first())["role"] == "admin"


async def test_a_departing_adviser_is_cut_off_at_once_and_hands_youths_events_and_links_to_a_colleague(client, app):
    organisation, admin = await organiser(client, role=Role.admin, name="Mission Locale Valence")
    leaving = await make_user("julien@ml.test", organisation, Role.organiser)
    await User.update({User.phone: "+33611111111"}).where(User.id == leaving.id)
    successor = await make_user("karima@ml.test", organisation, Role.organiser)
    await User.update({User.phone: "+33622222222"}).where(User.id == successor.id)
    event = await published_event(organisation=organisation)
    await Event.update({Event.responsible: leaving.id, Event.contact_phone: "+33611111111"}).where(Event.id == event.id)
    youth = await make_youth(organisation, "Inès", phone="+33633333333")
    await make_registration(event, youth, referred_by=leaving.id, referring_organisation=organisation.id)
    await ReferralLink(organisation=organisation.id, user=leaving.id, code="julien-link").save()
    await ApiToken(
        organisation=organisation.id, name="script", prefix="trp_x", token_hash="h", created_by=leaving.id
    ).save()
    await Device(
        event=event.id, name="phone", token_hash="d", created_by=leaving.id, expires_at=utcnow() + timedelta(days=1)
    ).save()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as theirs:
        await login(theirs, "julien@ml.test")
        assert (await theirs.get(f"/events/{event.id}")).status_code == 200

        membership = await Membership.select(Membership.id).where(Membership.user == leaving.id).first()
        successor_membership = await Membership.select(Membership.id).where(Membership.user == successor.id).first()
        asked = await client.get(f"/organisations/{organisation.id}/members/{membership['id']}/deactivate")
        assert "Karima" in text(asked) or "karima" in text(asked)
        done = await post_form(
            client,
            f"/organisations/{organisation.id}/members/{membership['id']}/deactivate",
            {"successor": str(successor_membership["id"])},
        )
        assert done.status_code == 302
        assert (await theirs.get(f"/events/{event.id}")).status_code in (302, 401)  # their session ended at once

    moved = await Event.objects().get(Event.id == event.id)
    assert (moved.responsible, moved.contact_phone) == (successor.id, "+33622222222")
    assert (await Registration.select(Registration.referred_by).first())["referred_by"] == successor.id
    assert (await ReferralLink.select(ReferralLink.user).first())["user"] == successor.id
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is not None
    assert (await Device.select(Device.revoked_at).first())["revoked_at"] is not None
    texts = await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.body_text).where(
        OutboxMessage.idempotency_key.like("new_contact:%")
    )
    assert len(texts) == 1 and texts[0]["recipient"] == "+33633333333"
    assert "votre contact est désormais" in texts[0]["body_text"] and "06 22 22 22 22" in texts[0]["body_text"]
    actions = {e["action"] for e in await AuditEntry.select(AuditEntry.action)}
    assert {"handed_over", "member_deactivated"} <= actions
    log = text(await client.get(f"/organisations/{organisation.id}/audit"))
    assert "Karima" in log or "karima" in log


async def test_a_hand_over_to_someone_of_another_organisation_or_who_left_is_refused_and_changes_nothing(client):
    organisation, admin = await organiser(client, role=Role.admin)
    leaving = await make_user("julien@ml.test", organisation, Role.organiser)
    other = await make_organisation("Autre ML", OrganisationKind.mission_locale)
    stranger = await make_user("paul@autre.test", other, Role.organiser)
    membership = await Membership.select(Membership.id).where(Membership.user == leaving.id).first()
    foreign = await Membership.select(Membership.id).where(Membership.user == stranger.id).first()

    refused = await post_form(
        client,
        f"/organisations/{organisation.id}/members/{membership['id']}/deactivate",
        {"successor": str(foreign["id"])},
    )
    assert refused.status_code == 400 and "membre actif" in text(refused)
    still = await Membership.select(Membership.deactivated_at).where(Membership.id == membership["id"]).first()
    assert still["deactivated_at"] is None
    assert await AuditEntry.count() == 0


async def test_someone_in_two_organisations_switches_between_them_and_an_admin_of_b_never_sees_as_members(client):
    organisation, admin = await organiser(client, role=Role.admin)
    other = await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    await make_user("other-admin@etti.test", other, Role.admin)
    user = await User.objects().get(User.id == admin.id)
    from accounts import services

    await services.add_member(user.id, other.id, Role.staff)
    await login(client, admin.email)
    page = text(await client.get(f"/organisations/{organisation.id}"))
    assert "Passer à Intérim Solidaire" in page
    await post_form(client, f"/organisations/{other.id}/switch", {})
    assert f'href="/organisations/{other.id}"' in (await client.get("/")).text

    client.cookies.clear()
    await login(client, "other-admin@etti.test")
    assert (await client.get(f"/organisations/{organisation.id}/members")).status_code == 404
    assert (await client.get(f"/organisations/{organisation.id}/audit")).status_code == 404
    outsider = await principal(await User.objects().get(User.email == "other-admin@etti.test"))
    assert outsider.roles == {other.id: Role.admin}
