"""The words of a parcours (English msgids, translated in the catalogue)."""

from __future__ import annotations

from core.i18n import lazy

KIND_LABELS = {
    "phone_call": lazy("Phone call"),
    "tripartite": lazy("Tripartite meeting"),
    "review": lazy("Review"),
    "contact": lazy("Contact with the adviser"),
}
STEP_LABELS = {
    "orientation_call": lazy("Call to validate the orientation"),
    "start_meeting": lazy("Tripartite meeting at contract start"),
    "monthly_contact": lazy("Monthly contact with the adviser"),
    "mid_review": lazy("Mid-term review"),
    "final_review": lazy("Final tripartite review"),
}
STATUS_LABELS = {
    "planned": lazy("Planned"),
    "active": lazy("Under way"),
    "ended": lazy("Ended"),
}
TOUCHPOINT_STATUS_LABELS = {
    "planned": lazy("Planned"),
    "done": lazy("Done"),
    "dropped": lazy("Dropped"),
}
CONTRACT_LABELS = {
    "cddi": lazy("Integration fixed-term contract (CDDI)"),
    "mission": lazy("Temp integration assignment (ETTI)"),
    "provision": lazy("Placement by an intermediary association (AI)"),
    "other": lazy("Other contract"),
}
END_REASON_LABELS = {
    "completed": lazy("Contract completed"),
    "early_exit": lazy("Left before the end"),
    "broken": lazy("Contract broken off"),
    "not_hired": lazy("Hiring did not happen"),
}
ROLE_LABELS = {
    "youth": lazy("the youth"),
    "adviser": lazy("the adviser"),
    "counsellor": lazy("the counsellor"),
    "supervisor": lazy("the supervisor"),
}


def touchpoint_title(step: str, kind: str) -> str:
    from core.i18n import gettext

    return gettext(STEP_LABELS[step]) if step in STEP_LABELS else gettext(KIND_LABELS.get(kind, kind))


HISTORY_STATE_LABELS = {
    "planned": lazy("planned"),
    "done": lazy("done"),
    "dropped": lazy("dropped"),
    "overdue": lazy("late"),
    "proposed": lazy("proposed"),
    "registered": lazy("registered"),
    "attended": lazy("came"),
    "cancelled": lazy("cancelled"),
    "refused": lazy("refused"),
}
HISTORY_KIND_LABELS = {
    "parcours": lazy("Parcours"),
    "touchpoint": lazy("Touchpoint"),
    "sheet": lazy("Skills"),
    "proposal": lazy("Proposal"),
    "registration": lazy("Event"),
    "situation": lazy("Situation"),
}
ANCHOR_LABELS = {
    "start": lazy("the contract's start"),
    "middle": lazy("the middle of the contract"),
    "end": lazy("the contract's end"),
    "monthly": lazy("each month after the start"),
}
