"""What can go wrong when asking for an export."""

from __future__ import annotations

from core.errors import InvalidInput, NotFound
from core.i18n import lazy


class UnknownExport(NotFound):
    code = "unknown_export"
    message = lazy("There is no such export: choose one of the list, as CSV or XLSX.")


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    message = lazy("Choose a start date before the end date, at most 400 days apart.")


class InvalidDate(InvalidInput):
    code = "invalid_date"
    message = lazy("Enter a date as DD/MM/YYYY or YYYY-MM-DD.")
