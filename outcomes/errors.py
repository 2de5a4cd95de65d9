"""Why an outcome is refused; each is shown on its field, or as `code` in the API."""

from __future__ import annotations

from core.errors import InvalidInput, Refusal
from core.i18n import lazy


class SituationBeforeEvent(InvalidInput):
    code = "situation_before_event"
    message = lazy("A situation that follows this event cannot begin before it (%(day)s).")


class DateInFuture(InvalidInput):
    code = "date_in_future"
    message = lazy("This date is in the future: record a situation once it has begun.")


class ContractLengthMismatch(InvalidInput):
    code = "contract_length_mismatch"
    message = lazy("A contract of %(months)s months is not “%(kind)s”: check the length or the situation.")


class UnknownChoice(InvalidInput):
    code = "unknown_choice"
    message = lazy("Choose one of the options.")


class CompanyRequired(InvalidInput):
    code = "company_required"
    message = lazy("Name the company.")


class ResultBeforeEvent(Refusal):
    code = "result_before_event"
    message = lazy("Results are recorded once the event has begun.")


class SelfReportUsed(Refusal):
    code = "self_report_used"
    status_code = 410
    message = lazy("You have already answered: thank you. Your adviser has your answer.")
