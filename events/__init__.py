"""What is organised: events, their formats, days and sessions, sites and partners."""
