"""What accounts ask of the features built on them (see core.signals)."""

from core.signals import signal

mail_to_user = signal(
    "mail-to-user",
    "Queue an e-mail to a user (password reset…): to, subject, text, key (idempotency). Answered by messaging.",
)
member_left = signal(
    "member-left",
    "A member left an organisation: user_id, organisation_id. The features revoke what they gave that person there "
    "(checkin: the phones they paired).",
)
handed_over = signal(
    "handed-over",
    "A departing member's work goes to a colleague: from_user, to_user, organisation_id -> {kind: count moved}. "
    "Answered by events (events in their charge), registration (referred youths, told by text, and referral links).",
)
device_presented = signal(
    "device-presented",
    "A paired phone's token on a check-in API call: token -> the principal acting for it, or None. Answered by "
    "checkin.",
)
settings_changed = signal(
    "organisation-settings-changed",
    "An organisation's settings were saved: organisation_id. Answered by messaging (drops what it keeps of its "
    "sender names and quiet hours).",
)
