"""An adviser's list of youths, imported from a spreadsheet (CSV), with a report of
every row that could not be registered and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.services import CurrentUser
from core import spreadsheets
from core.clock import utcnow
from core.errors import Refusal
from core.forms import convert
from core.i18n import gettext as _
from core.i18n import lazy
from registration import services
from registration.errors import DuplicateRegistration
from registration.inputs import RegistrationInput
from registration.people import youth_form_errors
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
        report.rejected.append((line, who[:NAME_SHOWN], _(BAD_DATE)))
        return
    fields = {k: value.get(k, "") for k in ("first_name", "last_name", "phone", "postcode", "commune", "email")}
    # The form's checks, every one at once (a name too long, a phone that is not a mobile...), then its schema.
    problems = youth_form_errors({**fields, "birth_date": birth.isoformat() if birth else ""}, utcnow().date())
    problems.pop("postcode", None)  # the place is asked of youths registering themselves only
    if problems:
        report.rejected.append((line, who[:NAME_SHOWN], _reasons(problems)))
        return
    try:
        data = convert(RegistrationInput, {**fields, "birth_date": birth})
        result = await services.register(event_id, data, source=Source.import_, by=user)
    except DuplicateRegistration:
        report.rejected.append((line, who[:NAME_SHOWN], _("Already registered for this event.")))
    except Refusal as error:
        report.rejected.append((line, who[:NAME_SHOWN], _reasons({error.field or "": error.text()})))
    else:
        if result.status == "waiting":
            report.waiting += 1
        else:
            report.registered += 1


BAD_DATE = lazy("The date of birth is not a date (expected 31/12/2005).")
NAME_SHOWN = 60  # a name in the report, cut: a 5,000-character one would fill the page
LABELS = {
    "first_name": lazy("First name"),
    "last_name": lazy("Last name"),
    "phone": lazy("Mobile phone"),
    "birth_date": lazy("Date of birth"),
    "email": lazy("E-mail"),
}


def _reasons(problems: dict[str, str]) -> str:
    """Each field's mistake, named as the form names it: "Prénom : 50 caractères au maximum."."""
    return " ".join(f"{_(LABELS[k])} : {text}" if k in LABELS else text for k, text in problems.items())
