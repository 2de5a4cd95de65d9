"""Every form field has a label, and pages fit a phone (viewport set, no fixed widths)."""

from html.parser import HTMLParser

from app.demo import DEMO_LOGIN, DEMO_PASSWORD, load_demo
from events.tables import Event, Format, Session, Site
from registration.tables import Participant
from tests.support import login
from webhooks.tables import Endpoint


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in {"hidden", "submit"}:
            self.inputs.append(attributes)
        if tag == "label" and "for" in attributes:
            self.labels.add(attributes["for"])


def unlabelled(html: str) -> list[dict]:
    parser = _Fields()
    parser.feed(html)
    return [i for i in parser.inputs if i.get("id") not in parser.labels and not i.get("aria-label")]


async def test_every_field_of_every_page_has_a_label(client):
    await load_demo(compose_rally=False)
    from outreach.tables import PublicPage

    code = (await PublicPage.select(PublicPage.code).first())["code"]
    public_pages = ["/login", "/password-reset", f"/o/{code}"]
    for path in public_pages:
        page = await client.get(path)
        assert 'name="viewport"' in page.text
        assert not unlabelled(page.text), path
    await login(client, DEMO_LOGIN, DEMO_PASSWORD)
    event = await Event.objects().where(Event.format == "rallye").first()
    session = await Session.objects().where(Session.event == event.id).first()
    site = await Site.objects().first()
    youth = await Participant.select(Participant.id).where(Participant.organisation == event.organisation).first()
    webhook = await Endpoint.objects().first()
    youth = await Participant.select(Participant.id).where(Participant.erased_at.is_null()).first()
    pages = [
        "/",
        "/events/",
        "/events/?when=past",
        f"/events/{event.id}",
        f"/events/{event.id}/edit",
        "/events/new",
        *[f"/events/new?format={f.value}" for f in Format],
        "/sites/",
        "/sites/new",
        f"/sites/{site.id}/edit",
        "/directory/",
        "/series/new",
        f"/sessions/{session.id}/edit",
        f"/organisations/{event.organisation}",
        f"/organisations/{event.organisation}/formats/",
        f"/organisations/{event.organisation}/settings",
        "/follow-ups/import",
        "/account",
        "/youths/proposals",
        f"/youths/{youth['id']}/propose",
        f"/organisations/{event.organisation}/public-page/",
        f"/events/{event.id}/invite",
        f"/organisations/{event.organisation}/webhooks",
        f"/organisations/{event.organisation}/webhooks/{webhook.id}",
        f"/youths/{youth['id']}",
        f"/youths/{youth['id']}/data/erase",
        "/exports/",
        "/exports/download?from=32/13/2026",  # every error shown, each tied to its field
    ]
    for path in pages:
        page = await client.get(path)
        assert page.status_code == (400 if "download" in path else 200), path
        assert not unlabelled(page.text), path


async def test_a_form_error_is_tied_to_its_field_and_takes_the_focus(client):
    response = await login(client, "personne@nulle.part", "mauvais")
    assert 'role="alert"' in response.text
