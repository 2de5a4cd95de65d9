"""Calendars that stay in sync: invitations, feeds behind secret links, and telling youths of programme changes."""
