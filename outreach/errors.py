"""Why an invitation is refused; shown above the list of youths, or as `code` in the API."""

from __future__ import annotations

from core.errors import Refusal
from core.i18n import lazy


class EventNotOpen(Refusal):
    code = "event_not_open"
    message = lazy("Invitations go only to a published event that has not begun: publish it first.")


class NoConsent(Refusal):
    code = "no_consent"
    message = lazy(
        "%(names)s did not agree to hear about other events (or withdrew it): no invitation can be sent to them. "
        "Nothing was sent."
    )


class NeverCame(Refusal):
    code = "never_came"
    message = lazy(
        "%(names)s did not come to a past event of this kind: invitations go only to those who came. Nothing was sent."
    )


class CannotBeTexted(Refusal):
    code = "cannot_be_texted"
    message = lazy("%(names)s cannot receive texts (no mobile number, or they answered STOP). Nothing was sent.")


class NotInAudience(Refusal):
    code = "not_in_audience"
    message = lazy("Some of the chosen youths are not among this event's past participants. Nothing was sent.")


class NobodyChosen(Refusal):
    code = "nobody_chosen"
    message = lazy("Choose at least one youth to invite.")
