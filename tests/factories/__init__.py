"""Test data, one module per feature: accounts, events, registration, planning, check-in, messaging.

Factories build rows through the application's own services where the tests always did (accounts,
registering a youth, pairing a phone) and through its tables otherwise. HTTP helpers that build no data
(csrf_token, post_form, login, api…) live in tests/support.py.
"""
