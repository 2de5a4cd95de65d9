"""Checking who a youth says they are: phone (E.164), birth date, e-mail, place."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

import phonenumbers

from core.errors import InvalidInput
from core.forms import REQUIRED, TOO_LONG
from core.i18n import lazy, ngettext
from registration.errors import (
    BirthDateInFuture,
    ImplausibleBirthDate,
    InvalidName,
    InvalidPhone,
    ParentalConsentRequired,
    PlaceRequired,
)
from registration.inputs import NAME_MAX, PHONE_MAX

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{5}$")
PARENTAL_CONSENT_BELOW = 15
ENTER_A_DATE = lazy("Enter a date.")


def normalise_phone(raw: str, region: str = "FR") -> str:
    """E.164 form of a mobile number (French numbers without the country code are understood)."""
    e164 = _mobile(raw, region)
    if e164 is None:
        raise InvalidPhone(field="phone")
    return e164


@lru_cache(maxsize=256)
def _mobile(raw: str, region: str) -> str | None:
    # A form's number is checked, then stored: parsed once (phonenumbers takes about 0.2 ms a number). Most
    # are French mobiles written plainly: those are read by phonenumbers' own pattern for them, no parsing.
    plain = _FRENCH.fullmatch(_SEPARATORS.sub("", raw)) if region == "FR" else None
    if plain and _FRENCH_MOBILE.fullmatch(plain[1]):
        return "+33" + plain[1]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    kind = phonenumbers.number_type(number)
    if not phonenumbers.is_valid_number(number) or kind not in _MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SEPARATORS = re.compile(r"[ .\-]")
_FRENCH = re.compile(r"(?:\+33|0033|0)(\d{9})")
_FRENCH_MOBILE = re.compile(phonenumbers.PhoneMetadata.metadata_for_region("FR").mobile.national_number_pattern)
_MOBILE = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def display_phone(e164: str) -> str:
    if len(e164) == 12 and e164.startswith("+33") and e164[3:].isdigit():
        # A French number, as phonenumbers writes it, without parsing it (a list shows 50 of them at a time).
        national = "0" + e164[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_birth_date(birth_date: date | None, today: date) -> None:
    if birth_date is None:
        return
    if birth_date > today:
        raise BirthDateInFuture(field="birth_date")
    if not 10 <= age_on(birth_date, today) <= 99:
        raise ImplausibleBirthDate(field="birth_date")


def check_email(email: str) -> str:
    email = email.strip().lower()
    if email and not _EMAIL.match(email):
        raise InvalidInput(lazy("Enter a valid e-mail address."), field="email")
    return email


def check_place(postcode: str, commune: str) -> tuple[str, str]:
    postcode, commune = postcode.strip(), commune.strip()
    if not postcode and not commune:
        raise PlaceRequired(field="postcode")
    if postcode and not _POSTCODE.match(postcode):
        raise InvalidInput(lazy("A postcode has five digits, for example 26000."), field="postcode")
    return postcode, commune


def check_name(value: str, field: str) -> str:
    """A first or last name: given, not too long, and with at least one letter in it."""
    value = value.strip()
    if not value:
        raise InvalidInput(REQUIRED, field=field)
    if len(value) > NAME_MAX:
        raise InvalidInput(TOO_LONG, field=field, max=NAME_MAX)
    if not any(character.isalpha() for character in value):
        raise InvalidName(field=field)
    return value


def _check_phone(raw: str) -> None:
    if not raw.strip():
        raise InvalidInput(REQUIRED, field="phone")
    if len(raw) > PHONE_MAX:
        raise InvalidInput(TOO_LONG, field="phone", max=PHONE_MAX)
    normalise_phone(raw)


def _check_birth_and_parent(data: dict[str, Any], today: date) -> None:
    if not data.get("birth_date"):
        return
    try:
        birth_date = date.fromisoformat(str(data["birth_date"]))
    except ValueError as exc:
        raise InvalidInput(ENTER_A_DATE, field="birth_date") from exc
    check_birth_date(birth_date, today)
    if age_on(birth_date, today) < PARENTAL_CONSENT_BELOW and not (
        data.get("parental_consent") and str(data.get("parent_name", "")).strip()
    ):
        raise ParentalConsentRequired(field="parent_name")


def youth_form_errors(data: dict[str, Any], today: date) -> dict[str, str]:
    """Every mistake of a youth's form at once, each on its field: on a phone, one round trip to fix them all.

    The registration service checks the same again (the API goes there directly); this only
    spares the youth finding their mistakes one per submit.
    """
    return _every_error(
        [
            *_identity_checks(data),
            lambda: _check_birth_and_parent(data, today),
            lambda: check_place(str(data.get("postcode", "")), str(data.get("commune", ""))),
            lambda: check_email(str(data.get("email", ""))),
        ]
    )


def walk_in_errors(data: dict[str, Any]) -> dict[str, str]:
    """Every mistake of the on-the-spot form at once: a name and a phone number, the postcode if given."""
    postcode = str(data.get("postcode", ""))
    return _every_error([*_identity_checks(data), lambda: check_place(postcode, "") if postcode else None])


def fields_to_correct(errors: dict[str, str]) -> dict[str, str]:
    """The errors of a form, with the line above it that says how many fields to correct."""
    count = len(errors)
    return errors | {
        "__all__": ngettext(
            "Please correct the field marked below.", "Please correct the %(num)s fields marked below.", count
        )
    }


def _identity_checks(data: dict[str, Any]) -> list[Callable[[], Any]]:
    return [
        lambda: check_name(str(data.get("first_name", "")), "first_name"),
        lambda: check_name(str(data.get("last_name", "")), "last_name"),
        lambda: _check_phone(str(data.get("phone", ""))),
    ]


def _every_error(checks: list[Callable[[], Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for check in checks:
        try:
            check()
        except InvalidInput as error:
            errors.setdefault(error.field or "__all__", error.text())
    return errors
