"""Small helpers shared by the console's controllers: forms, flash messages, rendering."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from core.errors import DomainError
from core.forms import refuse_nul


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    values = {key: str(value).strip() if key != "password" else str(value) for key, value in form.items()}
    refuse_nul(values)
    return values


def flash(request: Request, message: str, category: str = "success") -> None:
    messages = list(request.session.get("flash", []))
    messages.append({"message": message, "category": category})
    request.session["flash"] = messages


def page(name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=name, context=context, status_code=status_code)


def errors_of(error: DomainError) -> dict[str, str]:
    """A refusal as the `errors` a form template shows: on its field, or above the form."""
    return {error.field or "__all__": error.text()}


def form_page(name: str, error: DomainError, values: dict[str, str], **context: Any) -> Template:
    """Re-show a form with what was typed and the error next to its field."""
    errors = errors_of(error)
    return page(name, status_code=error.status_code, errors=errors, values=values, first_error=error.field, **context)
