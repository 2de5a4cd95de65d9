"""An adviser's list of youths, imported from a spreadsheet (CSV), with a report of
every row that could not be registered and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.services import CurrentUser
from core import spreadsheets
from core.errors import Refusal
from core.i18n import gettext as _
from core.i18n import lazy
from registration import services
from registration.errors import DuplicateRegistration
from registration.inputs import RegistrationInput
from registration.tables import Source

COLUMNS = {
    "first_name": ("prenom", "prénom", "first_name", "firstname"),
    "last_name": ("nom", "last_name", "lastname", "nom de famille"),
    "phone": ("telephone", "téléphone", "mobile", "portable", "phone"),
    "birth_date": ("date_naissance", "date de naissance", "naissance", "birth_date"),
    "postcode": ("code_postal", "code postal", "cp", "postcode"),
    "commune": ("commune", "ville", "town", "city"),
    "email": ("email", "e-mail", "courriel", "mail"),
}
MAX_ROWS = 1000


@dataclass
class ImportReport:
    registered: int = 0
    waiting: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, who, why)


async def import_csv(user: CurrentUser, event_id: int, content: bytes) -> ImportReport:
    rows = spreadsheets.read_rows(content)
    report = ImportReport()
    if not rows:
        report.rejected.append((1, "", _("The file is empty.")))
        return report
    columns = spreadsheets.columns(rows[0], COLUMNS)
    missing = [k for k in ("first_name", "last_name", "phone") if k not in columns]
    if missing:
        report.rejected.append(
            (
                1,
                "",
                _(
                    "Missing columns: %(columns)s. Expected at least prenom;nom;telephone.",
                    columns=", ".join(COLUMNS[k][0] for k in missing),
                ),
            )
        )
        return report
    for line, row in enumerate(rows[1 : MAX_ROWS + 1], start=2):
        await _import_row(user, event_id, line, row, columns, report)
    if len(rows) - 1 > MAX_ROWS:
        report.rejected.append((MAX_ROWS + 2, "", _("Only the first %(n)s rows are read.", n=MAX_ROWS)))
    return report


async def _import_row(
    user: CurrentUser, event_id: int, line: int, row: list[str], columns: dict[str, int], report: ImportReport
) -> None:
    """Register the youth of one row (blank rows are skipped), or say in the report why not."""
    if spreadsheets.is_blank(row):
        return
    value = spreadsheets.cells(row, columns)
    who = f"{value.get('first_name', '')} {value.get('last_name', '')}".strip()
    birth = spreadsheets.parse_date(value.get("birth_date", "")) if value.get("birth_date") else None
    if value.get("birth_date") and birth is None:
        report.rejected.append((line, who, _(BAD_DATE)))
        return
    try:
        data = RegistrationInput(
            first_name=value.get("first_name") or "",
            last_name=value.get("last_name") or "",
            phone=value.get("phone") or "",
            birth_date=birth,
            postcode=value.get("postcode", ""),
            commune=value.get("commune", ""),
            email=value.get("email", ""),
        )
        if not data.first_name or not data.last_name:
            raise Refusal(lazy("First and last name are required."))
        result = await services.register(event_id, data, source=Source.import_, by=user)
    except DuplicateRegistration:
        report.rejected.append((line, who, _("Already registered for this event.")))
    except Refusal as error:
        report.rejected.append((line, who, error.text()))
    else:
        if result.status == "waiting":
            report.waiting += 1
        else:
            report.registered += 1


BAD_DATE = lazy("The date of birth is not a date (expected 31/12/2005).")
