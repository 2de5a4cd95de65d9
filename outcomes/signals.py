"""What outcomes announces to the features built on it (see core.signals)."""

from core.signals import signal

outcome_recorded = signal(
    "outcome-recorded",
    "A situation (at a follow-up date) or a result on the spot was recorded, inside the change's transaction: "
    "kind ('situation' | 'result'), outcome_id. Answered by webhooks (partners' endpoints are told).",
)
