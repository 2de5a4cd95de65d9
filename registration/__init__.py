"""Who comes: youths, registrations, the waiting list, consents, the public form and the personal page, imports."""
