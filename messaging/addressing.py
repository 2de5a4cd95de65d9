"""How a message to a youth is addressed: the channels it takes and the key that makes it go once.

Texts first: an SMS unless the youth said STOP or prefers e-mail; an e-mail whenever they gave an address.
The one-statement registration on PostgreSQL (registration.places) queues its messages in SQL: the SQL forms
below state the same rules, next to the Python ones, so that a change is made once, here, for both paths.
"""

from __future__ import annotations

from messaging.tables import Channel


def can_text(*, phone: str, opted_out: object) -> bool:
    """Whether a text may reach them at all: `opted_out` is when they replied STOP (None if never)."""
    return bool(phone) and opted_out is None


def channels(*, phone: str, email: str, opted_out: object, preference: str) -> list[Channel]:
    """The channels of a message to someone who may prefer e-mail (`preference`)."""
    sms_ok = can_text(phone=phone, opted_out=opted_out)
    email_ok = bool(email)
    chosen = []
    if sms_ok and not (preference == "email" and email_ok):
        chosen.append(Channel.sms)
    if email_ok:
        chosen.append(Channel.email)
    return chosen


def key(kind: str, subject: int, channel: Channel, occasion: str = "") -> str:
    """The idempotency key: the same kind of message about the same subject, on one occasion, goes once."""
    return f"{kind}:{subject}:{occasion}:{channel.value}"


# ----------------------------------------------------------------------------- the same rules in SQL


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def key_sql(kind: str, subject: str, channel: Channel, occasion: str = "") -> str:
    """`key` as a SQL expression, `kind` and `subject` being SQL expressions."""
    return f"{kind} || ':' || {subject} || {_literal(f':{occasion}:{channel.value}')}"


def allowed_sql(channel: Channel, *, phone: str, email: str, opted_out: str, preference: str) -> str:
    """The SQL condition under which `channels` takes `channel` (each argument a SQL expression)."""
    if channel == Channel.email:
        return f"{email} <> ''"
    return f"{phone} <> '' AND {opted_out} IS NULL AND NOT ({preference} = 'email' AND {email} <> '')"


def queue_sql(
    channel: Channel,
    *,
    organisation: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    key: str,
    due: str,
    now: str,
    rows: str,
) -> str:
    """INSERT … SELECT of outbox rows as `outbox.enqueue_*` writes them, once per key; `rows` is the FROM/WHERE
    part and every other argument a SQL expression over it."""
    return (
        "INSERT INTO outbox_message (organisation, channel, recipient, subject, body_text, body_html, "
        "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
        f"SELECT {organisation}, {_literal(channel.value)}, {recipient}, {subject}, {text}, {html}, {key}, "
        f"'queued', 0, {due}, '', {now} {rows} ON CONFLICT (idempotency_key) DO NOTHING"
    )
