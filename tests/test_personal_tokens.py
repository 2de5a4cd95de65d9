"""The youths' personal links, tickets and proposal links are not in the database in clear (registration.tokens):
a dump alone opens nothing, while the app still gives the same link and ticket again; links sent before the
upgrade keep working; a re-issued ticket makes the old code unknown; SECRET_KEY can be rotated."""

from __future__ import annotations

import dataclasses
import re

import pytest

from checkin import tickets
from core.clock import utcnow
from messaging.outbox import deliver_due
from messaging.tables import OutboxMessage
from privacy import erasure
from registration import messages, proposals, tokens
from registration.piccolo_migrations import registration_2026_12_06t13_45_01_000000 as upgrade
from registration.tables import Proposal, Registration
from tests.factories.adviser_loop import adviser_and_youth
from tests.factories.checkin import device, rally_under_way, scan
from tests.factories.privacy import organisation_with_a_past, youth_with_a_past
from tests.factories.registration import personal_token, proposal_token, published_event, register_online
from tests.support import device_headers, post, text_of


async def _row(table, row_id: int) -> dict:
    """Every column of the row, as a dump would show it."""
    return (await table.raw(f"SELECT * FROM {table._meta.tablename} WHERE id = {{}}", row_id))[0]


def _nowhere_in(row: dict, *secrets: str) -> bool:
    return not any(secret in str(value) for value in row.values() for secret in secrets)


async def test_a_registration_keeps_neither_the_personal_link_nor_the_ticket_in_clear(client):
    event = await published_event(capacity=10)
    response = await register_online(client, event)
    link = response.headers["location"].split("/")[2].split("?")[0]
    row = await Registration.select().where(Registration.manage_hash == tokens.digest(link)).first()
    ticket = await tickets.ticket_of(row)
    assert len(link) == 22 and ticket and len(ticket) == 22

    assert _nowhere_in(await _row(Registration, row["id"]), link, ticket)
    page = await client.get(f"/r/{link}")
    assert page.status_code == 200 and f'src="/r/{link}/ticket.svg"' in page.text
    svg = await client.get(f"/r/{link}/ticket.svg")
    assert svg.content == tickets.qr_svg(ticket)  # the same code every time: the app unseals the same ticket
    # The texts sent later carry the link the youth already has.
    confirmation = await OutboxMessage.select(OutboxMessage.body_text).where(OutboxMessage.channel == "sms").first()
    assert f"/r/{link}" in confirmation["body_text"]
    assert messages.values_of(await messages.context_of(row["id"]))["link"].endswith(f"/r/{link}")
    # A guess, or the digest itself, opens nothing.
    for wrong in (row["manage_hash"], row["manage_sealed"], link[:-1] + ("A" if link[-1] != "A" else "B")):
        assert (await client.get(f"/r/{wrong}")).status_code == 404


async def test_a_reissued_ticket_leaves_no_trace_of_the_old_code(client):
    r = await rally_under_way(1)
    headers = device_headers(await device(r))
    old = r.youths[0]["token"]
    new = await tickets.reissue(r.youths[0]["id"])
    row = await _row(Registration, r.youths[0]["id"])
    assert _nowhere_in(row, old, new) and row["ticket_hash"] == tokens.digest(new)
    assert (await post(client, "/api/checkin/redeem", scan(old, r.session_list), headers)).json()["result"] == "unknown"
    assert (await post(client, "/api/checkin/redeem", scan(new, r.session_list), headers)).json()["result"] == "ok"


async def test_a_proposal_link_is_kept_as_a_digest_and_the_same_link_goes_again(client):
    loop = await adviser_and_youth()
    await proposals.propose(loop.adviser, loop.youth.id, loop.event.id)
    token = await proposal_token(loop.event.id)
    proposal = await Proposal.select(Proposal.id).first()
    assert _nowhere_in(await _row(Proposal, proposal["id"]), token)
    page = await client.get(f"/e/{loop.event.public_token}?p={token}")
    assert 'value="Inès"' in page.text  # the link still fills in the form
    await proposals.propose(loop.adviser, loop.youth.id, loop.event.id, resend=True)
    texts = await OutboxMessage.select(OutboxMessage.body_text).where(OutboxMessage.channel == "sms")
    assert [re.search(r"\?p=(\S+)", t["body_text"]).group(1) for t in texts] == [token, token]


async def test_links_and_tickets_given_before_the_upgrade_keep_working_and_leave_the_database(client):
    """What the columns' migration leaves (the clear tokens in the renamed columns), upgraded by the data one."""
    r = await rally_under_way(1)
    headers = device_headers(await device(r))
    registration_id = r.youths[0]["id"]
    link, ticket, offer = "ancien-lien-de-ines-0123", "ancien-billet-ines-4567", "ancienne-proposition-89"
    await Registration.update(
        {
            Registration.manage_hash: link,
            Registration.manage_sealed: "",
            Registration.ticket_hash: ticket,
            Registration.ticket_sealed: None,
        }
    ).where(Registration.id == registration_id)
    loop = await adviser_and_youth(email="claire@ml2.test", phone="+33699887766")
    await proposals.propose(loop.adviser, loop.youth.id, loop.event.id)
    await Proposal.update({Proposal.token_hash: offer, Proposal.token_sealed: ""}).where(Proposal.id > 0)

    await (await upgrade.forwards()).run()

    assert _nowhere_in(await _row(Registration, registration_id), link, ticket)
    assert _nowhere_in(await _row(Proposal, (await Proposal.select(Proposal.id).first())["id"]), offer)
    assert (await client.get(f"/r/{link}")).status_code == 200  # the link in the text sent before
    assert await personal_token(registration_id) == link  # and the one the next reminder carries
    assert (await client.get(f"/r/{link}/ticket.svg")).content == tickets.qr_svg(ticket)
    answer = await post(client, "/api/checkin/redeem", scan(ticket, r.session_list), headers)
    assert answer.json()["result"] == "ok"  # a ticket printed before the upgrade
    assert 'value="Inès"' in (await client.get(f"/e/{loop.event.public_token}?p={offer}")).text


async def test_a_new_secret_key_with_the_former_one_kept_aside_changes_nothing_for_the_youths(
    client, settings, monkeypatch
):
    r = await rally_under_way(1)
    registration_id = r.youths[0]["id"]
    link, ticket = await personal_token(registration_id), r.youths[0]["token"]
    rotated = dataclasses.replace(settings, secret_key="b" * 48, secret_key_previous=(settings.secret_key,))
    monkeypatch.setattr(tokens, "get_settings", lambda: rotated)

    assert await personal_token(registration_id) == link  # unsealed with the former key
    assert await tokens.reseal() == {"manage": 1, "ticket": 1, "proposal": 0, "lost": 0}
    monkeypatch.setattr(tokens, "get_settings", lambda: dataclasses.replace(rotated, secret_key_previous=()))
    assert await personal_token(registration_id) == link  # sealed again under the new key alone
    assert (await client.get(f"/r/{link}/ticket.svg")).content == tickets.qr_svg(ticket)


async def test_without_the_former_key_links_still_open_and_a_ticket_is_issued_anew(client, settings, monkeypatch):
    r = await rally_under_way(1)
    registration_id = r.youths[0]["id"]
    link, ticket = await personal_token(registration_id), r.youths[0]["token"]
    monkeypatch.setattr(tokens, "get_settings", lambda: dataclasses.replace(settings, secret_key="c" * 48))

    with pytest.raises(tokens.TokenLost):
        await personal_token(registration_id)
    assert (await client.get(f"/r/{link}")).status_code == 200  # found by its digest: no key needed
    svg = (await client.get(f"/r/{link}/ticket.svg")).content
    assert svg != tickets.qr_svg(ticket)  # a new ticket, sealed under the new key
    assert (await client.get(f"/r/{link}/ticket.svg")).content == svg


async def test_an_erased_youths_registration_has_no_link_left_and_messages_built_for_it_carry_none():
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", "+33611223344")
    registration = await Registration.select(Registration.id).where(Registration.participant == ines.id).first()
    link = await personal_token(registration["id"])

    await erasure.erase(place.admin, ines.id)

    row = await _row(Registration, registration["id"])
    assert _nowhere_in(row, link) and row["manage_sealed"] == "" and row["ticket_hash"] is None
    assert (await messages.context_of(registration["id"]))["manage_token"] == ""


async def test_a_sent_confirmation_keeps_its_words_but_not_its_link_in_the_outbox(client, settings, smtp_server):
    """Once the youth has their confirmation, the outbox's copy no longer opens their page."""
    event = await published_event()
    answer = await register_online(client, event, email="ines@exemple.fr")
    token = answer.headers["location"].split("/")[2].split("?")[0]
    # Run at night, the text waits for the end of the quiet hours: the morning comes, everything is due.
    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow()}, force=True)
    await deliver_due(dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port))
    received = text_of(smtp_server.messages[0])
    assert token in received  # the youth got their link
    kept = await OutboxMessage.select(OutboxMessage.body_text, OutboxMessage.body_html, OutboxMessage.attachment)
    assert kept and all(token not in "".join(row.values()) for row in kept)
    assert any("Information collective" in row["body_text"] and "/r/…" in row["body_text"] for row in kept)
