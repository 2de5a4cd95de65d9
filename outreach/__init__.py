"""Reaching youths before the next event: the organisation's public page and poster, inviting past participants."""
