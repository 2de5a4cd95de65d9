"""What the webhooks' rules refuse."""

from __future__ import annotations

from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import lazy


class UnsafeUrl(InvalidInput):
    """The address is not a public HTTPS one (or it hides credentials, or an unusual port)."""

    code = "webhook_url_refused"
    message = lazy("This address cannot receive webhooks: %(reason)s")


class NoEventChosen(InvalidInput):
    code = "webhook_no_event"
    message = lazy("Choose at least one kind of event to send.")


class EndpointDisabled(Refusal):
    code = "webhook_endpoint_disabled"
    status_code = 409
    message = lazy("This endpoint is disabled: enable it again before sending it a test event.")


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
