"""Placeholder: SMS webhooks (filled in by the messaging work)."""

ROUTES: list = []
