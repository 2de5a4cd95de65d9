"""A youth's calendar file: written by `events.calendars` (every calendar of Tremplin is), kept importable here."""

from __future__ import annotations

from events.calendars import for_registration

__all__ = ["for_registration"]
