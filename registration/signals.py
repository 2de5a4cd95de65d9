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
youth_page = signal(
    "youth-page",
    "What a youth's console page shows beside their registrations: user, participant_id, registration_ids (those "
    "the user sees) -> dict of template values merged over receivers (outcomes: their situations and results).",
)
attendance_wanted = signal(
    "attendance-wanted",
    "What was recorded of these registrations' attendance: registration_ids -> {id: 'present' | 'late' | "
    "'left_early' | 'excused' | 'absent'} (the best of their sessions; none when nothing was recorded). "
    "Answered by checkin.",
)
attendance_by_session = signal(
    "attendance-by-session",
    "What was recorded of these registrations' attendance, session by session: registration_ids -> "
    "{registration id: {session id: 'present' | 'late' | 'left_early' | 'excused' | 'absent'}} (the best record of "
    "each session). Answered by checkin.",
)
attended_time = signal(
    "attended-time",
    "How long these registrations' youths attended each session, from their entry and exit scans: "
    "registration_ids -> {registration id: {session id: minutes}} (sessions with a record only). Answered by checkin.",
)
latest_outcomes = signal(
    "latest-outcomes",
    "Each youth's latest situation, in words, for an adviser's list of their youths: participant_ids -> "
    "{participant id: text}. Answered by outcomes.",
)
came_to = signal(
    "came-to",
    "The registrations someone came to (present or late), for the youths' 'came / did not come' filter: -> a "
    "query selecting those registrations' ids, used as a subquery (no rows are read). Answered by checkin.",
)
youths_merged = signal(
    "youths-merged",
    "Two records of one youth are being merged, inside the merge's transaction, before the other record is "
    "deleted: kept_id, other_id. Features holding rows of the other move them to the kept one (outreach: the "
    "invitations sent to them).",
)
registration_changed = signal(
    "registration-changed",
    "A registration was created or cancelled, inside the change's transaction (on PostgreSQL's one-statement "
    "registration, just after its statement): registration_id, organisation_id (the event's), change ('created' | "
    "'cancelled'). Answered by webhooks (partners' endpoints are told).",
)
youth_viewed = signal(
    "youth-viewed",
    "Someone opened a youth's console page (after it was read, outside any transaction): user, participant_id, "
    "organisation_id (holding the record). Answered by privacy (the access log, once a day per user).",
)
