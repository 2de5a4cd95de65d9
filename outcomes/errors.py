"""Why an outcome is refused; each is shown on its field, or as `code` in the API."""

from __future__ import annotations

from core.errors import InvalidInput, Refusal
from core.forms import REQUIRED
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


# --------------------------------------------------------------------------- a spreadsheet of situations


class ImportRefused(Refusal):
    """The whole file is refused (nothing in it was read as rows)."""

    code = "import_refused"


class FileTooLarge(ImportRefused):
    code = "file_too_large"
    status_code = 413
    message = lazy("The file is larger than %(size)s MB: split it into several files.")


class TooManyRows(ImportRefused):
    code = "too_many_rows"
    status_code = 413
    message = lazy("The file has %(rows)s rows; at most %(limit)s are imported at once: split it into several files.")


class EmptyFile(ImportRefused):
    code = "empty_file"
    message = lazy("The file is empty.")


class MissingColumns(ImportRefused):
    code = "missing_columns"
    message = lazy("Missing columns: %(columns)s. Download the model file to see the expected columns.")


class ImportExpired(ImportRefused):
    code = "import_expired"
    status_code = 410
    message = lazy("This preview has expired or was already imported: send the file again.")


class Required(InvalidInput):
    code = "required"
    message = REQUIRED


class YouthNotIdentified(InvalidInput):
    code = "youth_not_identified"
    message = lazy("Give the youth's phone, or their last name, first name and date of birth.")


class UnknownYouth(InvalidInput):
    code = "unknown_youth"
    message = lazy("No youth of your organisation has this phone or this name and date of birth.")


class AmbiguousYouth(InvalidInput):
    code = "ambiguous_youth"
    message = lazy("Several youths of your organisation match: add the phone or the date of birth.")


class UnknownSituation(InvalidInput):
    code = "unknown_situation"
    message = lazy("“%(value)s” is not a situation: write one of the situations' names, as the import page lists them.")


class UnknownSource(InvalidInput):
    code = "unknown_source"
    message = lazy("“%(value)s” is not a source: write jeune, conseiller, employeur or organisateur.")


class BadDate(InvalidInput):
    code = "bad_date"
    message = lazy("“%(value)s” is not a date (expected 31/12/2025).")


class BadNumber(InvalidInput):
    code = "bad_number"
    message = lazy("“%(value)s” is not a whole number of months.")


class UnknownEvent(InvalidInput):
    code = "unknown_event"
    message = lazy("No event of your organisation to which this youth is registered matches “%(value)s”.")


class DuplicateSituation(InvalidInput):
    code = "duplicate_situation"
    message = lazy("This situation is already recorded for this youth on this date.")


class DuplicateRow(InvalidInput):
    code = "duplicate_row"
    message = lazy("Same youth, date and situation as line %(line)s.")
