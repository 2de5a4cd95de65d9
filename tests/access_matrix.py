"""Who may call each route: the access matrix that tests/test_access_matrix.py plays against the app.

One line per route and method, as the app's route table spells it. A new route fails that test until it is
declared here: "declare who may call GET /foo/{id:int}".

The principals (who calls):
  anonymous      no credentials at all
  youth          a youth holding their personal link (/r/<token>): no account, no cookie of the console
  device         a phone paired with A's event (`Authorization: Device ...`), for the check-in API only
  api_read       A's read API token (`Authorization: Bearer ...`): acts as a viewer of A, on /api/ only
  api_write      A's write API token: acts as an organiser of A, on /api/ only
  viewer, adviser, staff, organiser, admin   members of A with that role, logged in (session cookie)
  partner        the admin of P, a Mission Locale: a partner organisation of A's event (a prescriber), and A's
                 partner in the directory (a `Partnership`), where its adviser is the referent of A's parcours
  stranger       the admin of B, another organisation

A and B are SIAE (they host parcours); B's parcours have their referent at another Mission Locale, Q.

The targets (what the path's ids point at): A's objects, or B's. A route whose path has no id acts on the
caller's own organisation (its lists, its forms to create), and is played once.

The rules:
  PUBLIC         anyone, with or without credentials
  LINK           anyone holding the secret link in the path (a youth's page, a public event page...)
  SIGNED         machines that sign their calls (the SMS provider): nobody here, none of them signs
  MEMBER         any logged-in console user, on their own account / organisation
  at_least(R)    members of the target's organisation with role R or above; API tokens count as a viewer
                 (read) or an organiser (write) on /api/ routes; options: partners=True (the partner
                 organisation of A's event sees it), device=True (the paired phone of that event),
                 ml=True (the members of the Mission Locale partnered with A, P, with role R or above there:
                 the adviser's side of A's parcours), own=False (not the target's own members: only the ML),
                 tokens=False (no API token: a person signs it).
Anyone else is refused: 401, 403, 404 or, on a console page, a redirect to the login page; never 2xx nor 5xx.
A route given `fresh=(...)` destroys what it is given: those path parameters get a new object at each call.
A write refused with a valid body must be refused as well with an empty one (the role is checked before the body
is read), unless given `body_first=True`: the JSON API's bodies, which Litestar checks before the handler runs
(a 400 that says nothing of the target), and the check-in API's, where the body names the target.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.services import ROLE_RANK
from accounts.tables import Role


@dataclass(frozen=True)
class Principal:
    name: str
    kind: str  # anonymous, youth, device, token, session
    organisation: str | None = None  # "A", "B" or "P"
    role: Role | None = None


PRINCIPALS = (
    Principal("anonymous", "anonymous"),
    Principal("youth", "youth"),
    Principal("device", "device", "A", Role.staff),
    Principal("api_read", "token", "A", Role.viewer),
    Principal("api_write", "token", "A", Role.organiser),
    Principal("viewer", "session", "A", Role.viewer),
    Principal("adviser", "session", "A", Role.adviser),
    Principal("staff", "session", "A", Role.staff),
    Principal("organiser", "session", "A", Role.organiser),
    Principal("admin", "session", "A", Role.admin),
    Principal("partner", "session", "P", Role.admin),
    Principal("stranger", "session", "B", Role.admin),
)


@dataclass(frozen=True)
class Access:
    who: str  # public, link, signed, member, role
    minimum: Role | None = None
    partners: bool = False
    device: bool = False
    ml: bool = False
    own: bool = True
    tokens: bool = True
    fresh: tuple[str, ...] = ()
    body_first: bool = False

    def lets(self, principal: Principal, target: str | None, path: str) -> bool:
        """Whether `principal` gets through on `path` whose ids point at `target`'s objects (None: no id)."""
        if self.who in ("public", "link"):
            return True
        if self.who == "signed" or principal.kind in ("anonymous", "youth"):
            return False
        if principal.kind == "device":
            return self.device and target in (None, "A")
        if principal.kind == "token" and (not path.startswith("/api/") or not self.tokens):
            return False
        if self.who == "member":
            return True
        assert self.minimum is not None and principal.role is not None
        strong_enough = ROLE_RANK[principal.role] <= ROLE_RANK[self.minimum]
        if target is None or principal.organisation == target:
            return strong_enough and self.own
        if principal.organisation != "P" or target != "A":
            return False
        return self.partners or (self.ml and strong_enough)


PUBLIC = Access("public")
LINK = Access("link")
SIGNED = Access("signed")
NOBODY = Access("signed")  # answers 404 to everyone (Litestar's catch-all under /schema)
MEMBER = Access("member")
MEMBER_NO_TOKEN = Access("member", tokens=False)


def at_least(
    minimum: Role,
    *,
    partners: bool = False,
    device: bool = False,
    ml: bool = False,
    own: bool = True,
    tokens: bool = True,
    fresh: tuple[str, ...] = (),
    body_first: bool = False,
) -> Access:
    return Access(
        "role",
        minimum,
        partners=partners,
        device=device,
        ml=ml,
        own=own,
        tokens=tokens,
        fresh=fresh,
        body_first=body_first,
    )


VIEWER, ADVISER, STAFF, ORGANISER, ADMIN = Role.viewer, Role.adviser, Role.staff, Role.organiser, Role.admin

# "METHOD path" -> who gets through. Keep one line per route; group by area.
ACCESS: dict[str, Access] = {
    "GET /": MEMBER,
    "GET /accessibility": PUBLIC,
    "GET /account": MEMBER,
    "POST /account": MEMBER,
    "GET /api/checkin/events/{event_id:int}/lists": at_least(VIEWER, device=True),
    "POST /api/checkin/exit": at_least(STAFF, device=True, body_first=True),
    "GET /api/checkin/lists/{list_id:str}/offline": at_least(STAFF, device=True),
    "GET /api/checkin/lists/{list_id:str}/status": at_least(VIEWER, device=True),
    "POST /api/checkin/manual": at_least(STAFF, device=True, body_first=True),
    "POST /api/checkin/pair": PUBLIC,
    "POST /api/checkin/redeem": at_least(STAFF, device=True, body_first=True),
    "GET /api/checkin/search": at_least(STAFF, device=True),
    "POST /api/checkin/signature": at_least(STAFF, device=True, body_first=True),
    "POST /api/checkin/undo": at_least(STAFF, device=True, body_first=True),
    "POST /api/checkin/walk-in": at_least(STAFF, device=True, body_first=True),
    "GET /api/events": MEMBER,
    "POST /api/events": at_least(ORGANISER, body_first=True),
    "GET /api/events/{event_id:int}": at_least(VIEWER, partners=True),
    "PATCH /api/events/{event_id:int}": at_least(ORGANISER),
    "POST /api/events/{event_id:int}/cancel-occurrence": at_least(ORGANISER),
    "POST /api/events/{event_id:int}/duplicate": at_least(ORGANISER, body_first=True),
    "GET /api/events/{event_id:int}/invitations": at_least(VIEWER),
    "POST /api/events/{event_id:int}/invitations": at_least(ORGANISER),
    "POST /api/events/{event_id:int}/move-occurrence": at_least(ORGANISER, body_first=True),
    "GET /api/events/{event_id:int}/outcomes": at_least(VIEWER, partners=True),
    "PUT /api/events/{event_id:int}/partners": at_least(ORGANISER, body_first=True),
    "DELETE /api/events/{event_id:int}/partners/{organisation_id:int}": at_least(ORGANISER),
    "POST /api/events/{event_id:int}/sessions": at_least(ORGANISER, body_first=True),
    "POST /api/events/{event_id:int}/status": at_least(ORGANISER, body_first=True),
    "GET /api/follow-ups": MEMBER,
    "GET /api/me": MEMBER,
    "GET /api/organisations": MEMBER,
    "GET /api/organisations/{organisation_id:int}": at_least(VIEWER),
    "GET /api/organisations/{organisation_id:int}/contacts": at_least(VIEWER),
    "POST /api/organisations/{organisation_id:int}/contacts": at_least(ORGANISER, body_first=True),
    "GET /api/organisations/{organisation_id:int}/exports/{file:str}": at_least(VIEWER),
    "GET /api/organisations/{organisation_id:int}/formats/{format:str}": at_least(VIEWER),
    "PUT /api/organisations/{organisation_id:int}/formats/{format:str}": at_least(ORGANISER),
    "GET /api/organisations/{organisation_id:int}/partners": at_least(VIEWER),
    "POST /api/organisations/{organisation_id:int}/partners": at_least(ORGANISER, body_first=True),
    "POST /api/organisations/{organisation_id:int}/situations/import": at_least(ORGANISER),
    "GET /api/organisations/{organisation_id:int}/webhooks": at_least(ADMIN),
    "POST /api/organisations/{organisation_id:int}/webhooks": at_least(ADMIN, body_first=True),
    "DELETE /api/organisations/{organisation_id:int}/webhooks/{endpoint_id:int}": at_least(
        ADMIN, fresh=("endpoint_id",)
    ),
    "GET /api/organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/deliveries": at_least(ADMIN),
    "GET /api/proposals": MEMBER,
    "POST /api/series": at_least(ORGANISER, body_first=True),
    "GET /api/series/{series_id:int}": at_least(VIEWER),
    "PATCH /api/series/{series_id:int}": at_least(ORGANISER),
    "PUT /api/sessions/{session_id:int}": at_least(ORGANISER, body_first=True),
    "DELETE /api/sessions/{session_id:int}": at_least(ORGANISER, fresh=("session_id",)),
    "GET /api/sites": MEMBER,
    "POST /api/sites": at_least(ORGANISER, body_first=True),
    "GET /api/sites/{site_id:int}": at_least(VIEWER),
    "PUT /api/sites/{site_id:int}": at_least(ORGANISER, body_first=True),
    "GET /api/youths/{participant_id:int}/outcomes": at_least(VIEWER),
    "POST /api/youths/{participant_id:int}/proposals": at_least(ADVISER, tokens=False, body_first=True),
    "POST /api/youths/{participant_id:int}/situations": at_least(ADVISER, body_first=True),
    "GET /calendar-feeds": MEMBER,
    "POST /calendar-feeds": MEMBER,
    "POST /calendar-feeds/{feed_id:int}/renew": at_least(ADMIN, fresh=("feed_id",)),
    "POST /calendar-feeds/{feed_id:int}/revoke": at_least(ADMIN, fresh=("feed_id",)),
    "GET /dashboard": MEMBER,
    "GET /dashboard/bilan.pdf": MEMBER_NO_TOKEN,
    "GET /directory": MEMBER,
    "POST /directory/{organisation_id:int}/contacts": at_least(ORGANISER),
    "POST /directory/{organisation_id:int}/partners": at_least(ORGANISER),
    "GET /e/{token:str}": LINK,
    "POST /e/{token:str}": LINK,
    "GET /e/{token:str}/privacy": LINK,
    "POST /e/{token:str}/resend": LINK,
    "GET /events": MEMBER,
    "GET /events/new": at_least(ORGANISER),
    "POST /events/new": at_least(ORGANISER),
    "GET /events/{event_id:int}": at_least(VIEWER, partners=True),
    "GET /events/{event_id:int}/bilan.pdf": at_least(VIEWER),
    "POST /events/{event_id:int}/cancel-occurrence": at_least(ORGANISER),
    "GET /events/{event_id:int}/checkin": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/badges": at_least(STAFF),
    "GET /events/{event_id:int}/checkin/badges/{job_id:str}": at_least(STAFF),
    "GET /events/{event_id:int}/checkin/badges/{job_id:str}/badges.pdf": at_least(STAFF),
    "GET /events/{event_id:int}/checkin/board": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/devices": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/devices/{device_id:int}/revoke": at_least(STAFF, fresh=("device_id",)),
    "GET /events/{event_id:int}/checkin/lists/{list_id:str}": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/lists/{list_id:str}/exit": at_least(STAFF),
    "GET /events/{event_id:int}/checkin/lists/{list_id:str}/sheet.pdf": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/lists/{list_id:str}/status": at_least(STAFF),
    "GET /events/{event_id:int}/checkin/registrations/{registration_id:int}/attestation.pdf": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/registrations/{registration_id:int}/reissue": at_least(STAFF),
    "POST /events/{event_id:int}/checkin/review/{check_in_id:int}": at_least(STAFF),
    "POST /events/{event_id:int}/duplicate": at_least(ORGANISER),
    "GET /events/{event_id:int}/edit": at_least(ORGANISER),
    "POST /events/{event_id:int}/edit": at_least(ORGANISER),
    "GET /events/{event_id:int}/import": at_least(ADVISER, partners=True),
    "POST /events/{event_id:int}/import": at_least(ADVISER, partners=True),
    "GET /events/{event_id:int}/interviews": at_least(VIEWER, partners=True),
    "POST /events/{event_id:int}/interviews/add": at_least(ORGANISER),
    "POST /events/{event_id:int}/interviews/cancel": at_least(ORGANISER),
    "POST /events/{event_id:int}/interviews/plan": at_least(ORGANISER),
    "POST /events/{event_id:int}/interviews/publish": at_least(ORGANISER),
    "GET /events/{event_id:int}/interviews/run": at_least(VIEWER, partners=True),
    "POST /events/{event_id:int}/interviews/second-round": at_least(ORGANISER),
    "GET /events/{event_id:int}/interviews/{interview_id:int}": at_least(ORGANISER),
    "POST /events/{event_id:int}/interviews/{interview_id:int}/delete": at_least(ORGANISER, fresh=("interview_id",)),
    "POST /events/{event_id:int}/interviews/{interview_id:int}/lock": at_least(ORGANISER),
    "POST /events/{event_id:int}/interviews/{interview_id:int}/move": at_least(ORGANISER),
    "GET /events/{event_id:int}/invite": at_least(ORGANISER),
    "POST /events/{event_id:int}/invite": at_least(ORGANISER),
    "POST /events/{event_id:int}/message": at_least(ORGANISER),
    "POST /events/{event_id:int}/move-occurrence": at_least(ORGANISER),
    "POST /events/{event_id:int}/partners": at_least(ORGANISER),
    "POST /events/{event_id:int}/partners/{organisation_id:int}/remove": at_least(ORGANISER),
    "GET /events/{event_id:int}/planning": at_least(VIEWER, partners=True),
    "POST /events/{event_id:int}/planning/cancel": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/companions": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/companions/{companion_id:int}/day": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/companions/{companion_id:int}/remove": at_least(
        ORGANISER, fresh=("companion_id",)
    ),
    "POST /events/{event_id:int}/planning/import": at_least(ORGANISER),
    "GET /events/{event_id:int}/planning/instance.json": at_least(VIEWER, partners=True),
    "POST /events/{event_id:int}/planning/members/{registration_id:int}/move": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/pairs": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/pairs/{pair_id:int}/remove": at_least(ORGANISER, fresh=("pair_id",)),
    "GET /events/{event_id:int}/planning/plan.json": at_least(VIEWER, partners=True),
    "POST /events/{event_id:int}/planning/publish": at_least(ORGANISER),
    "GET /events/{event_id:int}/planning/road-sheets.pdf": at_least(STAFF),
    "POST /events/{event_id:int}/planning/run": at_least(ORGANISER),
    "GET /events/{event_id:int}/planning/run-status": at_least(VIEWER, partners=True),
    "GET /events/{event_id:int}/planning/site-schedules.pdf": at_least(STAFF),
    "GET /events/{event_id:int}/planning/sites/{site_id:int}/schedule": at_least(STAFF),
    "GET /events/{event_id:int}/planning/sites/{site_id:int}/schedule.pdf": at_least(STAFF),
    "POST /events/{event_id:int}/planning/teams/{team_id:int}/companion": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/teams/{team_id:int}/lock": at_least(ORGANISER),
    "GET /events/{event_id:int}/planning/teams/{team_id:int}/road-sheet": at_least(STAFF),
    "GET /events/{event_id:int}/planning/teams/{team_id:int}/road-sheet.pdf": at_least(STAFF),
    "POST /events/{event_id:int}/planning/travel": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/travel/{travel_id:int}/remove": at_least(ORGANISER, fresh=("travel_id",)),
    "POST /events/{event_id:int}/planning/visits/{visit_id:int}/lock": at_least(ORGANISER),
    "POST /events/{event_id:int}/planning/visits/{visit_id:int}/move": at_least(ORGANISER),
    "GET /events/{event_id:int}/questions": at_least(ORGANISER),
    "POST /events/{event_id:int}/questions": at_least(ORGANISER),
    "POST /events/{event_id:int}/referral-link": at_least(ADVISER, partners=True),
    "GET /events/{event_id:int}/register": at_least(ADVISER, partners=True),
    "POST /events/{event_id:int}/register": at_least(ADVISER, partners=True),
    "GET /events/{event_id:int}/registrations": at_least(VIEWER, partners=True),
    "POST /events/{event_id:int}/reminders": at_least(ORGANISER),
    "POST /events/{event_id:int}/sessions": at_least(ORGANISER),
    "POST /events/{event_id:int}/status": at_least(ORGANISER),
    "GET /events/{event_id:int}/teams/{team_id:int}/results": at_least(STAFF),
    "POST /events/{event_id:int}/teams/{team_id:int}/results": at_least(STAFF),
    "GET /events/{event_id:int}/walk-in": at_least(STAFF),
    "POST /events/{event_id:int}/walk-in": at_least(STAFF),
    "GET /exports": MEMBER,
    "GET /exports/download": MEMBER,
    "GET /feeds/{name:str}": LINK,
    "POST /first-steps/put-away": at_least(ORGANISER),
    "GET /follow-ups": MEMBER,
    "GET /follow-ups/import": at_least(ORGANISER),
    "POST /follow-ups/import": at_least(ORGANISER),
    "POST /follow-ups/import/confirm": at_least(ORGANISER),
    "GET /follow-ups/import/model.csv": at_least(ORGANISER),
    "GET /follow-ups/{follow_up_id:int}": at_least(ADVISER),
    "POST /follow-ups/{follow_up_id:int}": at_least(ADVISER),
    "GET /healthz": PUBLIC,
    "GET /invitations/{token:str}": LINK,
    "POST /invitations/{token:str}": Access("link", fresh=("invitations",)),
    "GET /lang/{code:str}": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "GET /logos/{digest:str}": LINK,
    "POST /logout": MEMBER_NO_TOKEN,
    "GET /o/{code:str}": LINK,
    "GET /organisations/{organisation_id:int}": at_least(VIEWER),
    "GET /organisations/{organisation_id:int}/audit": at_least(ADMIN),
    "GET /organisations/{organisation_id:int}/exports/{file:str}": at_least(VIEWER),
    "GET /organisations/{organisation_id:int}/formats": at_least(ORGANISER),
    "POST /organisations/{organisation_id:int}/formats/{format:str}": at_least(ORGANISER),
    "POST /organisations/{organisation_id:int}/invitations": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/invitations/{invitation_id:int}/resend": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/invitations/{invitation_id:int}/revoke": at_least(
        ADMIN, fresh=("invitation_id",)
    ),
    "GET /organisations/{organisation_id:int}/members": at_least(VIEWER),
    "GET /organisations/{organisation_id:int}/members/{membership_id:int}/deactivate": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/members/{membership_id:int}/deactivate": at_least(
        ADMIN, fresh=("membership_id",)
    ),
    "POST /organisations/{organisation_id:int}/members/{membership_id:int}/role": at_least(
        ADMIN, fresh=("membership_id",)
    ),
    "GET /organisations/{organisation_id:int}/messages": at_least(VIEWER),
    "POST /organisations/{organisation_id:int}/messages/preview": at_least(VIEWER),
    "POST /organisations/{organisation_id:int}/messages/retry": at_least(ORGANISER),
    "POST /organisations/{organisation_id:int}/messages/{key:str}/{channel:str}": at_least(ORGANISER),
    "POST /organisations/{organisation_id:int}/messages/{key:str}/{channel:str}/reset": at_least(ORGANISER),
    "GET /organisations/{organisation_id:int}/parcours-rhythm": at_least(ADVISER),
    "POST /organisations/{organisation_id:int}/parcours-rhythm": at_least(ORGANISER),
    "POST /organisations/{organisation_id:int}/privacy": at_least(ADMIN),
    "GET /organisations/{organisation_id:int}/public-page": at_least(VIEWER),
    "GET /organisations/{organisation_id:int}/public-page/poster.pdf": at_least(VIEWER),
    "GET /organisations/{organisation_id:int}/settings": at_least(VIEWER),
    "POST /organisations/{organisation_id:int}/settings": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/switch": at_least(VIEWER),
    "POST /organisations/{organisation_id:int}/tokens": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/tokens/{token_id:int}/revoke": at_least(ADMIN, fresh=("token_id",)),
    "GET /organisations/{organisation_id:int}/webhooks": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/webhooks": at_least(ADMIN),
    "GET /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/delete": at_least(
        ADMIN, fresh=("endpoint_id",)
    ),
    "POST /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/disable": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/enable": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/events": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/secret": at_least(ADMIN),
    "POST /organisations/{organisation_id:int}/webhooks/{endpoint_id:int}/test": at_least(ADMIN),
    "GET /parcours": MEMBER,
    "POST /parcours/touchpoints/{touchpoint_id:int}/done": at_least(ADVISER, ml=True),
    "POST /parcours/touchpoints/{touchpoint_id:int}/drop": at_least(ADVISER, ml=True, fresh=("touchpoint_id",)),
    "POST /parcours/touchpoints/{touchpoint_id:int}/move": at_least(ADVISER, ml=True),
    "POST /parcours/touchpoints/{touchpoint_id:int}/result": at_least(ADVISER, ml=True),
    "GET /parcours/{parcours_id:int}": at_least(VIEWER, ml=True),
    "POST /parcours/{parcours_id:int}/end": at_least(ADVISER, ml=True, fresh=("parcours_id",)),
    "POST /parcours/{parcours_id:int}/extend": at_least(ADVISER, ml=True),
    "POST /parcours/{parcours_id:int}/propose": at_least(ADVISER, ml=True, own=False),
    "GET /parcours/{parcours_id:int}/skills.pdf": at_least(VIEWER, ml=True),
    "GET /parcours/{parcours_id:int}/skills/{moment:str}": at_least(ADVISER, ml=True),
    "POST /parcours/{parcours_id:int}/skills/{moment:str}": at_least(ADVISER, ml=True),
    "POST /parcours/{parcours_id:int}/touchpoints": at_least(ADVISER, ml=True),
    "GET /password-reset": PUBLIC,
    "POST /password-reset": PUBLIC,
    "GET /password-reset/{token:str}": LINK,
    "POST /password-reset/{token:str}": LINK,
    "GET /r/{token:str}": LINK,
    "POST /r/{token:str}/answers": LINK,
    "GET /r/{token:str}/calendar.ics": LINK,
    "GET /r/{token:str}/cancel": LINK,
    "POST /r/{token:str}/cancel": Access("link", fresh=("r",)),
    "POST /r/{token:str}/channel": LINK,
    "POST /r/{token:str}/consents/{kind:str}/withdraw": LINK,
    "GET /r/{token:str}/ticket.pdf": LINK,
    "GET /r/{token:str}/ticket.svg": LINK,
    "POST /r/{token:str}/ticket/reissue": LINK,
    "POST /registrations/{registration_id:int}/cancel": at_least(ADVISER, fresh=("registration_id",)),
    "POST /registrations/{registration_id:int}/decide": at_least(ORGANISER),
    "GET /s/{token:str}": LINK,
    "POST /s/{token:str}": LINK,
    "GET /scan": PUBLIC,
    "GET /scan/pair": PUBLIC,
    "GET /scan/sw.js": PUBLIC,
    "GET /schema": PUBLIC,
    "GET /schema/openapi.json": PUBLIC,
    "GET /schema/openapi.yaml": PUBLIC,
    "GET /schema/openapi.yml": PUBLIC,
    "GET /schema/{path:str}": NOBODY,
    "GET /series/new": at_least(ORGANISER),
    "POST /series/new": at_least(ORGANISER),
    "POST /series/preview": MEMBER,
    "GET /series/{series_id:int}": at_least(VIEWER),
    "POST /series/{series_id:int}/change": at_least(ORGANISER),
    "POST /sessions/{session_id:int}/delete": at_least(ORGANISER, fresh=("session_id",)),
    "GET /sessions/{session_id:int}/edit": at_least(ORGANISER),
    "POST /sessions/{session_id:int}/edit": at_least(ORGANISER),
    "GET /sites": MEMBER,
    "GET /sites/new": at_least(ORGANISER),
    "POST /sites/new": at_least(ORGANISER),
    "GET /sites/{site_id:int}/edit": at_least(ORGANISER),
    "POST /sites/{site_id:int}/edit": at_least(ORGANISER),
    "GET /static/{file_path:path}": PUBLIC,
    "POST /webhooks/sms/{provider:str}/inbound": SIGNED,
    "POST /webhooks/sms/{provider:str}/status": SIGNED,
    "GET /youths": MEMBER,
    "GET /youths/proposals": MEMBER,
    "GET /youths/{participant_id:int}": at_least(VIEWER),
    "GET /youths/{participant_id:int}/attendance": at_least(VIEWER),
    "GET /youths/{participant_id:int}/attestation.pdf": at_least(VIEWER),
    "GET /youths/{participant_id:int}/data/erase": at_least(ADMIN),
    "POST /youths/{participant_id:int}/data/erase": at_least(ADMIN, fresh=("participant_id",)),
    "GET /youths/{participant_id:int}/data/export.json": at_least(ADMIN),
    "GET /youths/{participant_id:int}/data/export.pdf": at_least(ADMIN),
    "POST /youths/{participant_id:int}/details": at_least(ADVISER),
    "GET /youths/{participant_id:int}/merge": at_least(ORGANISER),
    "GET /youths/{participant_id:int}/parcours/new": at_least(ADVISER),
    "POST /youths/{participant_id:int}/parcours/new": at_least(ADVISER),
    "POST /youths/{participant_id:int}/merge": at_least(ORGANISER),
    "GET /youths/{participant_id:int}/propose": at_least(ADVISER),
    "POST /youths/{participant_id:int}/propose": at_least(ADVISER),
    "POST /youths/{participant_id:int}/situations": at_least(ADVISER),
    "GET /youths/{participant_id:int}/situations/new": at_least(ADVISER),
}
