"""What calendars ask of the features built on them (see core.signals)."""

from core.signals import signal

personal_occurrences = signal(
    "personal-occurrences",
    "More occurrences for a person's own calendar feed (the adviser feed): user_id, start, end -> a list of "
    "calendars.invitations.Occurrence. Answered by parcours (the touchpoints they take part in).",
)
