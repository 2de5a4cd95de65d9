"""What a youth, an adviser or a staff member sends to register someone."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from core.forms import Input

NAME_MAX = 50  # also the form's maxlength: a name longer than this is a mistake
PHONE_MAX = 30
# At least one letter: an emoji-only or digits-only name is a mistake (core.forms says so on the field).
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX, pattern=r"[^\W\d_]")]


class RegistrationInput(Input, kw_only=True):
    other_dates = frozenset({"birth_date"})  # checked by registration.people.check_birth_date

    first_name: Name
    last_name: Name
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=PHONE_MAX)]
    birth_date: date | None = None
    postcode: Annotated[str, msgspec.Meta(max_length=10)] = ""  # the columns' lengths
    commune: Annotated[str, msgspec.Meta(max_length=100)] = ""
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    sectors: list[str] = []
    driving_licence: bool = False
    vehicle: bool = False
    reduced_mobility: bool = False
    available_days: list[int] = []
    answers: dict[str, str | list[str]] = {}
    session_id: int | None = None
    consent_photos: bool = False
    consent_partner_sharing: bool = False
    consent_other_messages: bool = False
    parent_name: str = ""
    parental_consent: bool = False


class WalkInInput(Input, kw_only=True):
    first_name: Name
    last_name: Name
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=PHONE_MAX)]
    postcode: str = ""
    session_id: int | None = None


class QuestionInput(Input, kw_only=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    kind: str = "text"
    choices: list[str] = []
    required: bool = False
