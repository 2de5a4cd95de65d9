"""Webhooks: partners' systems told of registrations, check-ins and outcomes as they happen (signed POSTs)."""
