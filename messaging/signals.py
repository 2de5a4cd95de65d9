"""What messaging announces to the features built on it (see core.signals)."""

from core.signals import signal

stop_received = signal(
    "stop-received", "Someone answered STOP to our texts: phone (E.164). Registration records their opt-out."
)
