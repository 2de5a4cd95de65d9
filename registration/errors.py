"""Why a registration can be refused; each is shown on its field or as a clear page."""

from __future__ import annotations

from core.errors import InvalidInput, Refusal
from core.i18n import lazy


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    message = lazy("This is not a mobile number we can send a text message to. Example: 06 12 34 56 78.")


class InvalidName(InvalidInput):
    code = "invalid_name"
    message = lazy("Write the name with letters.")


class BirthDateInFuture(InvalidInput):
    code = "birth_date_in_future"
    message = lazy("The date of birth cannot be in the future.")


class ImplausibleBirthDate(InvalidInput):
    code = "birth_date_implausible"
    message = lazy("Please check the date of birth.")


class OutsideAgeRange(InvalidInput):
    code = "outside_age_range"
    message = lazy("This event is for people aged %(low)s to %(high)s. Ask the organiser if you are not sure.")


class PlaceRequired(InvalidInput):
    code = "place_required"
    message = lazy("Enter your postcode or your town.")


class ParentalConsentRequired(InvalidInput):
    code = "parental_consent_required"
    message = lazy("Under 15, a parent must agree: enter their name and tick the box.")


class AnswerRequired(InvalidInput):
    code = "answer_required"
    message = lazy("Please answer this question.")


class RegistrationClosed(Refusal):
    code = "registration_closed"
    status_code = 409
    message = lazy("Registrations for this event are closed.")


class EventFull(Refusal):
    code = "event_full"
    status_code = 409
    message = lazy("This event is full and has no waiting list.")


class DuplicateRegistration(Refusal):
    code = "already_registered"
    status_code = 409
    message = lazy("You are already registered for this event with this phone number.")

    def __init__(self, registration_id: int | None) -> None:
        super().__init__(field="phone")
        self.registration_id = registration_id


class InvalidTransition(Refusal):
    code = "registration_transition_refused"
    status_code = 409
    message = lazy("This registration cannot go from %(current)s to %(target)s.")


class NoPlaceLeft(Refusal):
    code = "no_place_left"
    status_code = 409
    message = lazy("Every place is taken: raise the number of places or cancel a registration first.")


class SessionRequired(InvalidInput):
    code = "session_required"
    message = lazy("Choose a time slot.")


class MergeIntoItself(Refusal):
    code = "merge_into_itself"
    status_code = 409
    message = lazy("This is the same record: choose another record of this youth to merge into it.")


class MergeAcrossOrganisations(Refusal):
    code = "merge_across_organisations"
    status_code = 409
    message = lazy(
        "These two records belong to different organisations (%(kept)s and %(other)s): each organisation keeps "
        "its own youths' records, so they cannot be merged."
    )


class MergeOnSameEvent(Refusal):
    code = "merge_on_same_event"
    status_code = 409
    message = lazy(
        "Both records are registered for “%(event)s”: cancel one of these two registrations first, then merge."
    )


class ProposalClosed(Refusal):
    code = "proposal_event_closed"
    status_code = 409
    message = lazy("This event is not open to registrations (not published, over, or closed): choose another one.")


class ProposalEventFull(Refusal):
    code = "proposal_event_full"
    status_code = 409
    message = lazy("This event is full: choose another one.")


class AlreadyRegisteredThere(Refusal):
    code = "proposal_already_registered"
    status_code = 409
    message = lazy("This youth is already registered for this event.")


class AlreadyProposed(Refusal):
    code = "already_proposed"
    status_code = 409
    message = lazy("You already proposed this event to this youth on %(date)s. You can send it again.")


class YouthUnreachable(Refusal):
    code = "youth_unreachable"
    status_code = 409
    message = lazy("This youth answered STOP to our text messages and gave no e-mail address: call them instead.")


class MergeErased(Refusal):
    code = "merge_erased"
    status_code = 409
    message = lazy("A record whose personal data were erased is no longer anyone's: it cannot be merged.")
