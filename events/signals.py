"""What events announce to the features built on them (see core.signals).

Sent inside the write transaction of the change, so what receivers queue (messages, updated invitations)
commits with it."""

from core.signals import signal

event_cancelled = signal(
    "event-cancelled",
    "An event was cancelled: event_id, reason (the organiser's words, may be empty). Its youths are told.",
)
session_moved = signal("session-moved", "A session of a published event got a new time or place: session_id.")
session_cancelled = signal(
    "session-cancelled",
    "A session of a published event is about to be deleted: session_id, reason (the organiser's words, may be empty).",
)
session_audience = signal(
    "session-audience",
    "How many youths would be told if session_id were cancelled: session_id -> int, summed over receivers.",
)
figures_wanted = signal(
    "event-figures",
    "Figures for the console's event lists: event_ids -> {event_id: {figure: number}}, merged over receivers.",
)
