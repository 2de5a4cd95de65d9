"""How enum values read in the UI (English msgids, translated when shown)."""

from __future__ import annotations

from core.i18n import gettext as _
from core.i18n import lazy

LABELS: dict[str, dict[str, str]] = {
    "organisation_kind": {
        "mission_locale": lazy("Mission Locale"),
        "siae": lazy("Work-integration structure (SIAE)"),
        "geiq": lazy("GEIQ"),
        "collectif": lazy("Collective"),
        "centre_social": lazy("Social centre"),
        "entreprise": lazy("Company"),
        "autre": lazy("Other"),
    },
    "siae_kind": {
        "": "",
        "aci": lazy("ACI (work-integration worksite)"),
        "ai": lazy("AI (intermediary association)"),
        "ei": lazy("EI (integration company)"),
        "etti": lazy("ETTI (integration temp agency)"),
        "eiti": lazy("EITI (independent workers)"),
    },
    "role": {
        "admin": lazy("Administrator"),
        "organiser": lazy("Organiser"),
        "staff": lazy("Staff"),
        "adviser": lazy("Adviser"),
        "viewer": lazy("Viewer"),
    },
    "gender": {
        "female": lazy("Woman"),
        "male": lazy("Man"),
        "other": lazy("Other or non-binary"),
    },
    "format": {
        "rallye": lazy("Job rally"),
        "info_collective": lazy("Information session"),
        "permanence": lazy("Drop-in hours"),
        "job_dating": lazy("Job dating"),
        "pied_des_murs": lazy("Neighbourhood meetup"),
    },
    "event_status": {
        "draft": lazy("Draft"),
        "published": lazy("Published"),
        "closed": lazy("Registrations closed"),
        "cancelled": lazy("Cancelled"),
        "done": lazy("Done"),
    },
    "session_kind": {
        "visits": lazy("Company visits"),
        "debrief": lazy("Debrief"),
        "ceremony": lazy("Closing ceremony"),
        "info": lazy("Information"),
        "interviews": lazy("Interviews"),
        "drop_in": lazy("Drop-in"),
        "meetup": lazy("Meetup"),
    },
    "site_kind": {
        "mission_locale": lazy("Mission Locale"),
        "siae": lazy("Work-integration structure (SIAE)"),
        "company": lazy("Company"),
        "social_centre": lazy("Social centre"),
        "outdoors": lazy("Outdoors"),
    },
    "sector": {
        "logistique": lazy("Logistics"),
        "aide_a_la_personne": lazy("Personal care"),
        "btp": lazy("Construction"),
        "commerce": lazy("Retail"),
        "industrie": lazy("Industry"),
        "hotellerie_restauration": lazy("Hotels and restaurants"),
        "espaces_verts": lazy("Green spaces"),
        "proprete": lazy("Cleaning"),
        "automobile": lazy("Car trade and repair"),
        "transport": lazy("Transport"),
        "agriculture": lazy("Agriculture"),
        "administration": lazy("Administration"),
        "numerique": lazy("Digital"),
        "sante": lazy("Health"),
        "autre": lazy("Other"),
    },
    "registration_status": {
        "pending": lazy("To confirm"),
        "confirmed": lazy("Registered"),
        "waiting": lazy("Waiting list"),
        "cancelled": lazy("Cancelled"),
        "refused": lazy("Refused"),
    },
    "source": {
        "public": lazy("Registration link"),
        "adviser": lazy("Adviser"),
        "walk_in": lazy("On the spot"),
        "import": lazy("Imported list"),
    },
    "consent": {
        "photos": lazy("Photos and videos of me may be taken and shown"),
        "partner_sharing": lazy("My details may be shared with the partner organisations of this event"),
        "other_messages": lazy("I would like news of other events"),
        "parental": lazy("A parent agrees to this registration"),
    },
    "question_kind": {
        "text": lazy("Short text"),
        "choice": lazy("One choice"),
        "multiple": lazy("Several choices"),
        "yes_no": lazy("Yes or no"),
    },
    "weekday": {
        "0": lazy("Monday"),
        "1": lazy("Tuesday"),
        "2": lazy("Wednesday"),
        "3": lazy("Thursday"),
        "4": lazy("Friday"),
        "5": lazy("Saturday"),
        "6": lazy("Sunday"),
    },
    "delivery_status": {
        "queued": lazy("queued"),
        "sending": lazy("sending"),
        "sent": lazy("sent"),
        "delivered": lazy("delivered"),
        "failed": lazy("failed"),
    },
    "access": {  # privacy.tables.AccessKind
        "viewed": lazy("viewed their page"),
        "exported": lazy("exported their data"),
        "erased": lazy("erased their data"),
    },
    "channel": {
        "email": lazy("E-mail"),
        "sms": lazy("Text message"),
        "webhook": lazy("Webhook"),
    },
    "partner_role": {
        "co_organiser": lazy("Co-organiser"),
        "prescriber": lazy("Prescriber"),
        "host_company": lazy("Host company"),
        "social_centre": lazy("Social centre"),
        "funder": lazy("Funder"),
    },
}


def label(kind: str, value: object) -> str:
    key = getattr(value, "value", value)
    msgid = LABELS.get(kind, {}).get(str(key))
    return _(msgid) if msgid else str(key)
