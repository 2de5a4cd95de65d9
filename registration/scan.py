"""Placeholder: filled in by the check-in work."""

ROUTES: list = []
