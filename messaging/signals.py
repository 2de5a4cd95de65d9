"""What messaging announces to the features built on it (see core.signals)."""

from core.signals import signal

stop_received = signal(
    "stop-received", "Someone answered STOP to our texts: phone (E.164). Registration records their opt-out."
)
webhook_due = signal(
    "webhook-due",
    "The outbox's worker delivers a message of the webhook channel, outside any transaction: message_id, body, "
    "seconds (the time it has) -> a short description of the answer ('HTTP 204'). Raises TemporaryFailure (retried "
    "with the outbox's backoff) or PermanentFailure. Answered by webhooks, which signs, posts and records the "
    "attempt on its endpoint in a transaction of its own.",
)
texts_refused = signal(
    "texts-refused",
    "Which of these phones (E.164) answered STOP and must get no more texts: phones -> a set of phones. Asked "
    "before failed texts are queued again. Answered by registration.",
)
