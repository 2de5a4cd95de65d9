"""Who comes and what follows: participants, registrations, attendance, outcomes."""
