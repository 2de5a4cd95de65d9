"""Checking who a youth says they are: phone (E.164), birth date, e-mail, place."""

from __future__ import annotations

import re
from datetime import date

import phonenumbers

from core.errors import InvalidInput
from core.i18n import lazy
from registration.errors import BirthDateInFuture, ImplausibleBirthDate, InvalidPhone, PlaceRequired

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{5}$")


def normalise_phone(raw: str, region: str = "FR") -> str:
    """E.164 form of a mobile number (French numbers without the country code are understood)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(field="phone") from exc
    kind = phonenumbers.number_type(number)
    mobile = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if not phonenumbers.is_valid_number(number) or kind not in mobile:
        raise InvalidPhone(field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
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
