"""Why a privacy action is refused."""

from __future__ import annotations

from core.errors import Refusal
from core.i18n import lazy


class AlreadyErased(Refusal):
    code = "already_erased"
    status_code = 409
    message = lazy("This person's data were already erased on %(date)s.")
