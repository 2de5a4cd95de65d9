"""Placeholder: calendar feeds (filled in by the calendars work)."""

ROUTES: list = []
