"""What checkin announces to the features built on it (see core.signals)."""

from core.signals import signal

checked_in = signal(
    "checked-in",
    "Someone's attendance was recorded (a scan, a walk-in or a status set by hand), inside the change's "
    "transaction (on PostgreSQL's one-statement scan, just after it): registration_id, status ('present', "
    "'late'…), at (when they were scanned or marked). Answered by webhooks (partners' endpoints are told).",
)
