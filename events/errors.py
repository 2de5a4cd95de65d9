"""The ways an event change can be refused; each names the field it concerns."""

from __future__ import annotations

from core.errors import InvalidInput, Refusal
from core.i18n import lazy


class SessionEndsBeforeStart(InvalidInput):
    code = "session_ends_before_start"
    message = lazy("The session must end after it starts.")


class SiteBusy(InvalidInput):
    code = "site_busy"
    status_code = 409
    message = lazy("%(site)s receives only one group at a time and is already booked then (%(other)s).")


class CapacityBelowRegistered(InvalidInput):
    code = "capacity_below_registered"
    status_code = 409
    message = lazy("%(registered)s people are already registered: the capacity cannot be lower.")


class InvalidCoordinates(InvalidInput):
    code = "invalid_coordinates"
    message = lazy("Latitude must be between -90 and 90 and longitude between -180 and 180.")


class InvalidRule(InvalidInput):
    code = "invalid_recurrence"
    message = lazy("This repetition rule is not valid: %(reason)s")


class RuleNeverOccurs(InvalidInput):
    code = "recurrence_never_occurs"
    message = lazy("This repetition rule never produces a date. Check the days and months chosen.")


class StatusChangeRefused(Refusal):
    code = "status_change_refused"
    status_code = 409
    message = lazy("An event that is %(current)s cannot become %(target)s.")


class NothingToPublish(Refusal):
    code = "nothing_to_publish"
    status_code = 409
    message = lazy("Add at least one session to the programme before publishing.")


class NoPlaceToPublish(Refusal):
    code = "no_place_to_publish"
    status_code = 409
    message = lazy(
        "Where should youths go? Give a place to every session (%(sessions)s) or a meeting point to the event "
        "before publishing."
    )


class WindowEndsBeforeStart(InvalidInput):
    code = "registration_window_invalid"
    message = lazy("Registrations must close after they open.")


class DatesReversed(InvalidInput):
    code = "dates_reversed"
    message = lazy("The event must end on or after the day it starts.")


class AgeRangeReversed(InvalidInput):
    code = "age_range_reversed"
    message = lazy("The minimum age must not be above the maximum age.")


class UnknownPartner(InvalidInput):
    code = "unknown_partner"
    message = lazy("This organisation is not in your partner directory.")
