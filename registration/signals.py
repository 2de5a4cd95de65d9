"""What registration asks of, or announces to, the features built on it (see core.signals)."""

from core.signals import signal

invitation_wanted = signal(
    "invitation-wanted",
    "The calendar invitation (bytes) to attach to a message for a registration: registration (its message "
    "context), method ('REQUEST', 'PUBLISH'…). Answered by calendars.",
)
personal_page = signal(
    "personal-page",
    "What the youth's personal page shows beside their registration: registration -> dict of template values "
    "(their published team…), merged over receivers.",
)
attendance_wanted = signal(
    "attendance-wanted",
    "What was recorded of these registrations' attendance: registration_ids -> {id: 'present' | 'late' | "
    "'excused' | 'absent'} (the best of their sessions; none when nothing was recorded). Answered by checkin.",
)
