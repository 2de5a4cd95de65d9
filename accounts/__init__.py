"""Organisations, users, memberships and roles, login and password reset."""
