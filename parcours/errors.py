"""Why a parcours or a touchpoint is refused: shown next to the field, or as `code` in the API."""

from __future__ import annotations

from core.errors import Forbidden, InvalidInput, Refusal
from core.i18n import lazy


class ParcoursRefused(InvalidInput):
    """Several fields refused at once: `errors` maps each field to its message (all shown together)."""

    code = "parcours_refused"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)

    def text(self) -> str:
        return self.message


class ParcoursEnded(Refusal):
    code = "parcours_ended"
    message = lazy("This parcours has ended: its touchpoints can no longer change.")


class TouchpointClosed(Refusal):
    code = "touchpoint_closed"
    message = lazy("This touchpoint was dropped: it can no longer change.")


class NotOnTheMlSide(Forbidden):
    code = "not_ml_side"
    message = lazy("Only the youth's Mission Locale proposes its actions from the parcours.")
