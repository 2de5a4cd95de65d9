"""The on-site check-in app: /scan (camera, result, search, walk-ins), /scan/pair and its service worker.

The pages are one static shell for everyone: a logged-in staff member (console session) or a phone paired
to an event (its device token lives in the phone's storage, never in a cookie). They are public routes
because a paired phone has no session; what they show about people comes from /api/checkin/*, which checks
the session or the device token itself. The service worker is served from /scan so that its scope is /scan.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from functools import cache
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from accounts.auth import retrieve_user
from core.i18n import gettext as _
from core.i18n import ngettext
from core.settings import ROOT
from core.web import page
from events import access
from events.tables import Event, EventStatus

STATIC = ROOT / "app" / "static"
# What the service worker keeps on the phone besides the two pages.
ASSETS = [
    "/static/scan/scan.css",
    "/static/scan/store.js",
    "/static/scan/scan.js",
    "/static/scan/decoder.js",
    "/static/scan/pair.js",
    "/static/vendor/jsqr.min.js",
]
TEMPLATES = ["checkin/scan.html", "checkin/pair.html"]


@cache
def service_worker() -> str:
    """The worker's source, with a version that changes whenever a cached file does (so phones update)."""
    digest = hashlib.sha256()
    for asset in ASSETS:
        digest.update((STATIC / asset.removeprefix("/static/")).read_bytes())
    for name in TEMPLATES:
        digest.update((ROOT / "templates" / name).read_bytes())
    source = (STATIC / "scan" / "sw.js").read_text(encoding="utf-8")
    digest.update(source.encode())
    return source.replace("__VERSION__", digest.hexdigest()[:12]).replace("__ASSETS__", json.dumps(ASSETS))


def _present_count(n: int) -> str:
    """The counter's words for n people present, the numbers left as placeholders for the script."""
    return ngettext(
        "%(present)s present of %(expected)s",
        "%(present)s present of %(expected)s",
        n,
        present="%(present)s",
        expected="%(expected)s",
    )


def scan_strings() -> dict[str, str]:
    """The words the script shows, in the page's language (the script itself holds no text)."""
    return {
        "ok": _("Checked in"),
        "already": _("Already checked in"),
        "unknown": _("Unknown ticket"),
        "wrong_list": _("Not on this list"),
        "cancelled": _("Registration cancelled"),
        "saved": _("Saved on this phone"),
        "team": _("team %(team)s"),
        "first_at_by": _("at %(time)s by %(who)s"),
        "first_at": _("at %(time)s"),
        "this_phone": _("already scanned on this phone at %(time)s"),
        "other_list": _("registered for: %(list)s"),
        "offline_verdict": _("From the list on this phone: it will be sent when the network returns."),
        "no_list_verdict": _("No list on this phone yet: the scan is kept and will be sent."),
        "pending_zero": _("All scans sent"),
        "pending_one": _("1 scan waiting to be sent"),
        "pending_many": _("%(count)s scans waiting to be sent"),
        "sending": _("Sending…"),
        "auth_needed": _("Log in again (or pair this phone again) to send the waiting scans."),
        "list_ready": _("%(count)s people on this phone, updated at %(time)s"),
        "list_missing": _("The list is not on this phone yet."),
        "list_loading": _("Downloading the list…"),
        "camera_denied": _("The camera is not available. Allow it in the browser, or use the search."),
        "camera_starting": _("Starting the camera…"),
        "aim": _("Point the camera at the QR code"),
        "no_results": _("Nobody found."),
        "search_offline": _("Searching by name needs the network. Scanning works without it."),
        "search_error": _("The search did not answer. Try again, or scan the code."),
        "checked_in_at": _("checked in at %(time)s"),
        "mark_present": _("Mark present"),
        "mark_late": _("Mark late"),
        "walkin_saved": _("Registered on the spot: %(name)s"),
        "walkin_queued": _("Registered on this phone: %(name)s. It will be sent."),
        "walkin_missing": _("Enter a first name, a last name and a phone number."),
        "undone": _("Last scan undone: %(name)s"),
        "undo_nothing": _("Nothing to undo."),
        "flagged": _("duplicate flagged for the organiser"),
        "log_pending": _("waiting"),
        "log_done": _("sent"),
        "log_rejected": _("refused by the server"),
        "log_cancelled": _("undone before sending"),
        "kind_redeem": _("Scan"),
        "kind_manual": _("Manual check-in"),
        "kind_walkin": _("Walk-in"),
        "kind_undo": _("Undo"),
        "someone": _("Ticket"),
        # the counter: the script picks the form (French: 0 and 1 are singular), the numbers stay placeholders
        "present_count_one": _present_count(1),
        "present_count_many": _present_count(2),
        "other_day": _("Session of %(day)s"),
        "not_paired": _("This phone is not paired and nobody is logged in."),
        "pair_failed": _("This pairing code does not work any more. Ask for a new one."),
        "pair_missing": _("The pairing code is missing from the link."),
        "choose_event": _("Choose an event"),
        "choose_list": _("Choose a session"),
        # why a ticket is refused (the API's reason codes)
        "reason_unknown_ticket": _("Ask for their name and use the search."),
        "reason_other_event": _("This ticket is for another event."),
        "reason_other_team": _("This person is in another team."),
        "reason_registration_cancelled": _("The registration was cancelled."),
        "reason_registration_refused": _("The registration was refused."),
        "reason_registration_waiting": _("This person is on the waiting list."),
        "reason_registration_pending": _("This registration is awaiting approval."),
        # what the list already says about someone (search results)
        "status_present": _("already checked in"),
        "status_late": _("already checked in (late)"),
        "status_excused": _("marked: excused absence"),
        "status_absent": _("marked: absent"),
        "status_left_early": _("left early"),
        # exits (the Entry / Exit switch)
        "exit": _("Exit recorded"),
        "exit_refused": _("Exit refused"),
        "kind_exit": _("Exit"),
        "mark_exit": _("Record the exit"),
        "reason_exit_recorded": "",
    }


async def _staff_events(user: Any) -> list[dict]:
    """The user's events and those their organisations are partners of, from yesterday on."""
    if not user.organisation_ids:
        return []
    return (
        await Event.select(Event.id, Event.title, Event.starts_on, Event.ends_on)
        .where(
            access.visible_to(user)
            & Event.status.is_in([EventStatus.published, EventStatus.closed, EventStatus.done])
            & (Event.ends_on >= date.today() - timedelta(days=1))
        )
        .order_by(Event.starts_on)
        .limit(50)
    )


class ScanApp(Controller):
    path = "/scan"
    include_in_schema = False

    @get("", opt={"public": True})
    async def shell(self, request: Request) -> Template:
        session = request.scope.get("session")
        user = await retrieve_user(session) if isinstance(session, dict) else None
        events = await _staff_events(user) if user else []
        config = {
            "user": {"name": user.full_name} if user else None,
            "events": [{"id": e["id"], "title": e["title"], "starts_on": e["starts_on"].isoformat()} for e in events],
            "strings": scan_strings(),
        }
        response = page("checkin/scan.html", config=config, user_name=user.full_name if user else "")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @get("/pair", opt={"public": True})
    async def pair(self) -> Template:
        response = page("checkin/pair.html", config={"strings": scan_strings()})
        response.headers["Cache-Control"] = "no-cache"
        return response

    @get("/sw.js", opt={"public": True})
    async def worker(self) -> Response[str]:
        # The page is /scan, outside the script's own folder (/scan/): the header lets the worker control it.
        return Response(
            service_worker(),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/scan"},
        )


ROUTES: list = [ScanApp]
