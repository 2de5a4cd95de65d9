"""An organisation's own details and how its messages go out, changed by its admins (issue 14, point 3).

The checks are plain functions (`check_siret`, `check_sms_sender`…) so the form can show every mistake at
once; `save` runs them all, saves nothing if one refuses, and records what changed in the audit log.
`messaging` reads the sender names and quiet hours from the organisation's row (messaging.senders).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

import phonenumbers

from accounts import audit
from accounts import signals as accounts_signals
from accounts.services import CurrentUser, get_organisation, require_role
from accounts.tables import DEFAULT_FOLLOW_UP_DAYS, Logo, Organisation, OrganisationKind, Role, SiaeKind, follow_up_days
from core import signals
from core.db import write_transaction
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import lazy, ngettext
from core.labels import label

# --------------------------------------------------------------------------------------------- the kinds

# One select for the two columns: an SIAE is kind=siae with its siae_kind; every other kind has none.
KINDS: list[tuple[str, OrganisationKind, SiaeKind]] = [
    ("mission_locale", OrganisationKind.mission_locale, SiaeKind.none),
    ("aci", OrganisationKind.siae, SiaeKind.aci),
    ("ai", OrganisationKind.siae, SiaeKind.ai),
    ("ei", OrganisationKind.siae, SiaeKind.ei),
    ("etti", OrganisationKind.siae, SiaeKind.etti),
    ("eiti", OrganisationKind.siae, SiaeKind.eiti),
    ("geiq", OrganisationKind.geiq, SiaeKind.none),
    ("collectif", OrganisationKind.collectif, SiaeKind.none),
    ("centre_social", OrganisationKind.centre_social, SiaeKind.none),
    ("entreprise", OrganisationKind.entreprise, SiaeKind.none),
    ("autre", OrganisationKind.autre, SiaeKind.none),
]
# An SIAE saved before its kind was asked: kept as it is until an admin chooses one.
UNSPECIFIED_SIAE = "siae"


def kind_value(kind: str, siae_kind: str) -> str:
    """The select's value for an organisation's two columns."""
    if kind == OrganisationKind.siae:
        return siae_kind or UNSPECIFIED_SIAE
    return kind


def kind_options(current: str = "") -> list[tuple[str, str]]:
    options = [
        (value, label("siae_kind", siae) if siae else label("organisation_kind", kind)) for value, kind, siae in KINDS
    ]
    if current == UNSPECIFIED_SIAE:
        options.insert(1, (UNSPECIFIED_SIAE, label("organisation_kind", OrganisationKind.siae)))
    return options


# ---------------------------------------------------------------------------------------------- refusals


class SettingsNotSaved(InvalidInput):
    """Some fields were refused: nothing was saved. `problems` holds each field's refusal."""

    code = "settings_not_saved"
    message = lazy("Please correct the highlighted fields.")

    def __init__(self, problems: list[Refusal]) -> None:
        super().__init__()
        self.problems = problems

    def errors(self) -> dict[str, str]:
        """Each refused field's message, and the line above the form that counts them."""
        errors = {problem.field or "__all__": problem.text() for problem in self.problems}
        count = len(errors)
        return errors | {
            "__all__": ngettext(
                "Nothing was saved: please correct the field marked below.",
                "Nothing was saved: please correct the %(num)s fields marked below.",
                count,
            )
        }


class NameRequired(InvalidInput):
    code = "organisation_name_required"
    message = lazy("The organisation needs a name.")


class FieldTooLong(InvalidInput):
    code = "too_long"
    message = lazy("%(max)s characters at most.")


class UnknownKind(InvalidInput):
    code = "unknown_kind"
    message = lazy("Choose one of the proposed options.")


class SiretNotFourteenDigits(InvalidInput):
    code = "siret_not_14_digits"
    message = lazy("A SIRET number has 14 digits (spaces allowed), for example 901 234 567 00013.")


class SiretCheckDigitWrong(InvalidInput):
    code = "siret_check_digit"
    message = lazy("This SIRET number is not valid (check digit): check it on your Kbis or avis de situation.")


class InvalidPostcode(InvalidInput):
    code = "invalid_postcode"
    message = lazy("A postcode has five digits, for example 26000.")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    message = lazy("This phone number is not valid, for example 04 75 12 34 56.")


class InvalidEmail(InvalidInput):
    code = "invalid_email"
    message = lazy("Enter a valid e-mail address.")


class InvalidSenderName(InvalidInput):
    code = "invalid_sender_name"
    message = lazy("A sender name is written on one line, without < > or quotation marks.")


class SmsSenderTooLong(InvalidInput):
    code = "sms_sender_too_long"
    message = lazy("11 characters at most (you typed %(length)s).")


class SmsSenderSpaces(InvalidInput):
    code = "sms_sender_spaces"
    message = lazy("No spaces: write the name in one word, for example MLDrome.")


class SmsSenderCharacters(InvalidInput):
    code = "sms_sender_characters"
    message = lazy("Letters and digits only: %(characters)s cannot be used.")


class SmsSenderNeedsALetter(InvalidInput):
    code = "sms_sender_letter"
    message = lazy("Put at least one letter in it: phones show a sender made of digits only as a phone number.")


class QuietHoursIncomplete(InvalidInput):
    code = "quiet_hours_incomplete"
    message = lazy("Give both the start and the end, or leave both empty for the platform's hours.")


class QuietHoursInvalid(InvalidInput):
    code = "quiet_hours_invalid"
    message = lazy("Enter a time, for example 21:00.")


class QuietHoursEmpty(InvalidInput):
    code = "quiet_hours_empty"
    message = lazy("The start and the end are the same time.")


class FollowUpDaysInvalid(InvalidInput):
    code = "follow_up_days_invalid"
    message = lazy(
        "Give one to four numbers of days between 7 and 730, from the first to the last, for example 30, 90, 180."
    )


class LogoTooLarge(InvalidInput):
    code = "logo_too_large"
    message = lazy("The logo is larger than 500 KB: save it smaller, or as a JPEG.")


class LogoNotAnImage(InvalidInput):
    code = "logo_not_png_or_jpeg"
    message = lazy("The logo must be a PNG or JPEG image.")


# ------------------------------------------------------------------------------------------------ checks

MAX_LOGO_BYTES = 500 * 1024
MAX_LOGO_PIXELS = 4000 * 4000  # beyond it a small file may decompress into a huge image
SMS_SENDER_MAX = 11
# The letters and digits of the GSM 03.38 default alphabet: what an alphanumeric sender id can carry.
GSM_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÄÖÑÜäöñüàèéùìòÇØøÅåÆæßÉΔΦΓΛΩΠΨΣΘΞ")
DIGITS = frozenset("0123456789")
# La Poste numbered more establishments than the key allows: their SIRETs (but its head office's, which keeps
# the key) are valid when the sum of their digits is a multiple of 5 (INSEE's exception).
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"
_POSTCODE = re.compile(r"\d{5}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
LENGTHS = {"name": 200, "address": 300, "city": 100, "email": 254, "email_sender_name": 100}
FIELDS = (
    "name",
    "kind",
    "siret",
    "address",
    "postcode",
    "city",
    "phone",
    "email",
    "email_sender_name",
    "sms_sender",
    "quiet_start",
    "quiet_end",
    "follow_up_days",
    "logo",
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def check_siret(raw: str) -> str:
    """The 14 digits of a SIRET typed with or without spaces ("" when empty)."""
    siret = re.sub(r"\s", "", raw)
    if not siret:
        return ""
    if not re.fullmatch(r"\d{14}", siret):
        raise SiretNotFourteenDigits(field="siret")
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_HEAD_OFFICE:
        valid = sum(int(d) for d in siret) % 5 == 0
    else:
        valid = luhn_ok(siret)
    if not valid:
        raise SiretCheckDigitWrong(field="siret")
    return siret


def check_sms_sender(raw: str) -> str:
    """An alphanumeric sender id: 11 letters or digits of the GSM alphabet at most, a letter among them."""
    sender = raw.strip()
    if not sender:
        return ""
    if any(c.isspace() for c in sender):
        raise SmsSenderSpaces(field="sms_sender")
    wrong = list(dict.fromkeys(c for c in sender if c not in GSM_LETTERS and c not in DIGITS))
    if wrong:
        raise SmsSenderCharacters(field="sms_sender", characters=" ".join(wrong))
    if len(sender) > SMS_SENDER_MAX:
        raise SmsSenderTooLong(field="sms_sender", length=len(sender))
    if not any(c in GSM_LETTERS for c in sender):
        raise SmsSenderNeedsALetter(field="sms_sender")
    return sender


def check_phone(raw: str) -> str:
    """Any valid phone number (a switchboard is often a landline), kept in its international form."""
    if not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(stored, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return stored


def _time(raw: str, field: str) -> time:
    match = _TIME.fullmatch(raw.strip())
    try:
        if match is None:
            raise ValueError(raw)
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError as exc:
        raise QuietHoursInvalid(field=field) from exc


def check_quiet_hours(start: str, end: str) -> str:
    """ "HH:MM-HH:MM" (the QUIET_HOURS format) from the two times, or "" for the platform's hours."""
    if not start.strip() and not end.strip():
        return ""
    if not start.strip() or not end.strip():
        raise QuietHoursIncomplete(field="quiet_start" if not start.strip() else "quiet_end")
    begin, finish = _time(start, "quiet_start"), _time(end, "quiet_end")
    if begin == finish:
        raise QuietHoursEmpty(field="quiet_end")
    return f"{begin:%H:%M}-{finish:%H:%M}"


def check_follow_up_days(raw: str) -> str:
    """ "30, 60" as stored ("30,60"); "" for the default (30, 90, 180). Increasing, 7 days to two years."""
    parts = [part for part in re.split(r"[\s,;]+", raw.strip()) if part]
    if not parts:
        return ""
    if not all(part.isdigit() for part in parts) or not 1 <= len(parts) <= 4:
        raise FollowUpDaysInvalid(field="follow_up_days")
    days = [int(part) for part in parts]
    if days != sorted(set(days)) or days[0] < 7 or days[-1] > 730:
        raise FollowUpDaysInvalid(field="follow_up_days")
    return "" if tuple(days) == DEFAULT_FOLLOW_UP_DAYS else ",".join(str(day) for day in days)


def check_logo(content: bytes) -> str:
    """The content type of a logo, read from its bytes (never from its name): image/png or image/jpeg."""
    if len(content) > MAX_LOGO_BYTES:
        raise LogoTooLarge(field="logo")  # the controller reads one byte more than allowed, not the whole file
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        expected, content_type = "PNG", "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        expected, content_type = "JPEG", "image/jpeg"
    else:
        raise LogoNotAnImage(field="logo")
    from PIL import Image  # Pillow comes with WeasyPrint; loaded only when a logo is sent

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != expected or image.width * image.height > MAX_LOGO_PIXELS:
                raise LogoNotAnImage(field="logo")
            image.verify()  # a truncated or forged file fails here
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise LogoNotAnImage(field="logo") from exc
    return content_type


def _text(values: dict[str, str], name: str) -> str:
    value = values.get(name, "").strip()
    if len(value) > LENGTHS.get(name, 300):
        raise FieldTooLong(field=name, max=LENGTHS.get(name, 300))
    return value


def _name(values: dict[str, str]) -> str:
    name = _text(values, "name")
    if not name:
        raise NameRequired(field="name")
    return name


def _kind(values: dict[str, str], current: dict[str, Any]) -> tuple[str, str]:
    chosen = values.get("kind", "")
    if chosen == UNSPECIFIED_SIAE and current["kind"] == OrganisationKind.siae and not current["siae_kind"]:
        return OrganisationKind.siae.value, SiaeKind.none.value
    for value, kind, siae in KINDS:
        if value == chosen:
            return kind.value, siae.value
    raise UnknownKind(field="kind")


def _postcode(values: dict[str, str]) -> str:
    postcode = values.get("postcode", "").strip()
    if postcode and not _POSTCODE.fullmatch(postcode):
        raise InvalidPostcode(field="postcode")
    return postcode


def _email(values: dict[str, str]) -> str:
    email = _text(values, "email").lower()
    if email and not _EMAIL.fullmatch(email):
        raise InvalidEmail(field="email")
    return email


def _sender_name(values: dict[str, str]) -> str:
    name = _text(values, "email_sender_name")
    if any(c in name for c in '<>"\r\n') or any(ord(c) < 32 for c in name):
        raise InvalidSenderName(field="email_sender_name")
    return name


@dataclass(frozen=True, slots=True)
class LogoUpload:
    content: bytes  # empty: no file was chosen
    remove: bool = False


def checked(values: dict[str, str], current: dict[str, Any], logo: LogoUpload | None) -> dict[str, Any]:
    """The columns to save from the form, every field checked; `SettingsNotSaved` lists every refusal."""
    checks: dict[str, Callable[[], Any]] = {
        "name": lambda: _name(values),
        "kind": lambda: _kind(values, current),
        "siret": lambda: check_siret(values.get("siret", "")),
        "address": lambda: _text(values, "address"),
        "postcode": lambda: _postcode(values),
        "city": lambda: _text(values, "city"),
        "phone": lambda: check_phone(values.get("phone", "")),
        "email": lambda: _email(values),
        "email_sender_name": lambda: _sender_name(values),
        "sms_sender": lambda: check_sms_sender(values.get("sms_sender", "")),
        "quiet_hours": lambda: check_quiet_hours(values.get("quiet_start", ""), values.get("quiet_end", "")),
        "follow_up_days": lambda: check_follow_up_days(values.get("follow_up_days", "")),
    }
    if logo is not None and logo.content:
        checks["logo"] = lambda: check_logo(logo.content)
    columns: dict[str, Any] = {}
    problems: list[Refusal] = []
    for name, check in checks.items():
        try:
            columns[name] = check()
        except Refusal as refusal:
            problems.append(refusal)
    if problems:
        raise SettingsNotSaved(problems)
    columns["kind"], columns["siae_kind"] = columns["kind"]
    return columns


# ----------------------------------------------------------------------------------------------- reading


async def settings_of(user: CurrentUser, organisation_id: int) -> dict[str, Any]:
    """The organisation's details as its members see them (404 outside their organisations)."""
    organisation = await get_organisation(user, organisation_id)
    return organisation | {"can_edit": user.at_least(organisation_id, Role.admin)}


def form_values(organisation: dict[str, Any]) -> dict[str, str]:
    """What the form shows for the saved details."""
    start, _sep, end = (organisation["quiet_hours"] or "").partition("-")
    return {
        "name": organisation["name"],
        "kind": kind_value(organisation["kind"], organisation["siae_kind"]),
        "siret": " ".join([organisation["siret"][:3], organisation["siret"][3:6], organisation["siret"][6:9]])
        + " "
        + organisation["siret"][9:]
        if len(organisation["siret"]) == 14
        else organisation["siret"],
        "address": organisation["address"],
        "postcode": organisation["postcode"],
        "city": organisation["city"],
        "phone": display_phone(organisation["phone"]) if organisation["phone"] else "",
        "email": organisation["email"],
        "email_sender_name": organisation["email_sender_name"],
        "sms_sender": organisation["sms_sender"],
        "quiet_start": start,
        "quiet_end": end,
        "follow_up_days": ", ".join(str(day) for day in follow_up_days(organisation["follow_up_days"])),
    }


async def logo(digest: str) -> dict[str, Any]:
    """A logo by the digest of its content: anyone may see it (it shows on public pages)."""
    row = await Logo.select(Logo.content_type, Logo.content).where(Logo.digest == digest).first()
    if row is None:
        raise NotFound()
    return row


async def logo_data_uri(organisation_id: int) -> str:
    """The organisation's logo as a data: URI for a PDF (core.pdf fetches nothing else), or ""."""
    import base64

    row = (
        await Organisation.select(Organisation.logo).where(Organisation.id == organisation_id).first()
        if organisation_id
        else None
    )
    if not row or not row["logo"]:
        return ""
    image = await Logo.select(Logo.content_type, Logo.content).where(Logo.digest == row["logo"]).first()
    if image is None:
        return ""
    return f"data:{image['content_type']};base64,{base64.b64encode(image['content']).decode()}"


# ---------------------------------------------------------------------------------------------- changing

# The audit entry names the fields in words, as they were when changed.
FIELD_LABELS = {
    "name": lazy("name"),
    "kind": lazy("kind"),
    "siae_kind": lazy("kind"),
    "siret": lazy("SIRET"),
    "address": lazy("address"),
    "postcode": lazy("postcode"),
    "city": lazy("city"),
    "phone": lazy("phone"),
    "email": lazy("e-mail"),
    "email_sender_name": lazy("e-mail sender name"),
    "sms_sender": lazy("sender name of the texts"),
    "quiet_hours": lazy("quiet hours"),
    "follow_up_days": lazy("follow-up delays"),
    "logo": lazy("logo"),
}


async def _store_logo(content: bytes, content_type: str) -> str:
    digest = hashlib.sha256(content).hexdigest()
    if not await Logo.exists().where(Logo.digest == digest):
        await Logo(digest=digest, content_type=content_type, content=content).save()
    return digest


async def _drop_unused_logo(digest: str) -> None:
    if digest and not await Organisation.exists().where(Organisation.logo == digest):
        await Logo.delete().where(Logo.digest == digest)


async def save(
    user: CurrentUser, organisation_id: int, values: dict[str, str], logo: LogoUpload | None = None
) -> list[str]:
    """Check every field, then save them with an audit entry of what changed; returns the changed columns.
    Admins only; nothing is saved when a field is refused."""
    require_role(user, organisation_id, Role.admin)
    current = await get_organisation(user, organisation_id)
    columns = checked(values, current, logo)
    content_type = columns.pop("logo", "")
    async with write_transaction():
        current = await Organisation.select().where(Organisation.id == organisation_id).first()
        if logo is not None and logo.content:
            columns["logo"] = await _store_logo(logo.content, content_type)
        elif logo is not None and logo.remove:
            columns["logo"] = ""
        changed = {name: value for name, value in columns.items() if current[name] != value}
        if not changed:
            return []
        await Organisation.update({getattr(Organisation, name): value for name, value in changed.items()}).where(
            Organisation.id == organisation_id
        )
        if "logo" in changed:
            await _drop_unused_logo(current["logo"])
        words = list(dict.fromkeys(_(FIELD_LABELS[name]) for name in changed))
        await audit.record(
            user,
            organisation_id,
            "settings_changed",
            _("Settings changed: %(fields)s.", fields=", ".join(words)),
            changed={name: [current[name], value] for name, value in changed.items()},
        )
        await signals.send(accounts_signals.settings_changed, organisation_id=organisation_id)
    return list(changed)
