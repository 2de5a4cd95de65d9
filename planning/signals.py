"""What planning announces to the features built on it (see core.signals)."""

from core.signals import signal

visit_moved = signal("visit-moved", "A published team's visit got a new time or site: visit_id. Its youths are told.")
