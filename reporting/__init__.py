"""Exports for funders and partners: registrations, attendance, outcomes, FSE+ participants, Mission Locale re-entry."""
