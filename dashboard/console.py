"""The dashboard page and the bilans (PDF) of a period and of an event."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from accounts.services import CurrentUser
from core.clock import utcnow
from core.errors import Refusal
from core.i18n import gettext as _
from core.i18n import lazy
from core.labels import label
from core.pdf import render_pdf
from core.settings import get_settings
from core.templating import render_html
from core.web import errors_of, page
from dashboard import charts, services
from dashboard.figures import AGE_BANDS, Figures
from events.tables import Format
from outcomes.situations import CATEGORY_LABELS, RESULT_LABELS, Category
from outcomes.tables import ResultKind
from registration.tables import Gender

User = Request[CurrentUser, dict, Any]

AGE_LABELS = {
    "under_18": lazy("under 18"),
    "18_21": lazy("18 to 21"),
    "22_25": lazy("22 to 25"),
    "26_plus": lazy("26 and over"),
    "unknown": lazy("age not known"),
}


def _view(found: Figures) -> dict[str, Any]:
    """The figures as the page and the bilan show them: tables and their charts, in the reader's language."""
    categories = [(_(CATEGORY_LABELS[c]), found.categories.get(c.value, 0)) for c in Category]
    months = [
        (month[5:] + "/" + month[2:4], [counts.get(c.value, 0) for c in Category]) for month, counts in found.by_month
    ]
    funnel = [(_("Registered"), found.registered), (_("Came"), found.came), (_("Something followed"), found.followed)]
    formats = [(label("format", f), r, c) for f, r, c in found.by_format]
    referrers = [(name or _("Registered directly"), r, c) for name, r, c in found.by_referrer]
    ages = [(_(AGE_LABELS[name]), found.age_bands.get(name, 0)) for *_band, name in AGE_BANDS]
    ages.append((_(AGE_LABELS["unknown"]), found.age_bands.get("unknown", 0)))
    results = [(_(RESULT_LABELS[k]), found.results.get(k.value, 0)) for k in ResultKind]
    genders = [(label("gender", g) if g else _("Not said"), found.genders.get(g.value, 0)) for g in Gender]
    return {
        "funnel": funnel,
        "funnel_chart": charts.bars(_("From registration to what followed"), funnel),
        "categories": categories,
        "categories_chart": charts.bars(_("What became of the youths who came (latest situation)"), categories),
        "months": months,
        "months_chart": charts.stacked_columns(
            _("Situations recorded after the events, by month"), months, [name for name, _n in categories]
        )
        if months
        else None,
        "formats": formats,
        "formats_chart": charts.bars(_("Youths who came, by format"), [(n, c) for n, _r, c in formats]),
        "referrers": referrers,
        "referrers_chart": charts.bars(
            _("Youths who came, by referring organisation"), [(n, c) for n, _r, c in referrers]
        ),
        "advisers": found.by_adviser,
        "ages": ages,
        "ages_chart": charts.bars(_("Youths who came, by age band"), ages),
        "genders": genders,
        "genders_chart": charts.bars(_("Youths who came, by gender"), genders),
        "results": results,
        "results_chart": charts.bars(_("Results on the spot"), results),
    }


def _query(request: User) -> dict[str, str]:
    return {k: request.query_params.get(k, "") for k in ("organisation", "from", "to", "format")}


class DashboardConsole(Controller):
    path = "/dashboard"
    include_in_schema = False

    @get("/")
    async def index(self, request: User) -> Template:
        params = _query(request)
        try:
            scope = services.scope_of(request.user, params)
        except Refusal as error:
            scope = services.scope_of(request.user, {"organisation": params["organisation"]})
            board = await services.dashboard(request.user, scope)
            return self._page(request, board, params, errors_of(error), error.status_code)
        return self._page(request, await services.dashboard(request.user, scope), params, {}, 200)

    def _page(self, request: User, board, params, errors, status) -> Template:
        scope = board.figures.scope
        values = {"from": scope.start.isoformat(), "to": scope.end.isoformat(), "format": scope.format} | {
            k: v for k, v in params.items() if v and errors
        }
        return page(
            "dashboard/dashboard.html",
            status_code=status,
            board=board,
            view=_view(board.figures),
            values=values,
            errors=errors,
            formats=[(f.value, label("format", f)) for f in Format],
            organisations=[(o, o) for o in request.user.organisation_ids],
            query="&".join(
                f"{k}={v}"
                for k, v in (
                    ("organisation", scope.organisation),
                    ("from", scope.start),
                    ("to", scope.end),
                    ("format", scope.format),
                )
                if v
            ),
        )

    @get("/bilan.pdf")
    async def bilan(self, request: User) -> Response[bytes]:
        scope = services.scope_of(request.user, _query(request))
        board = await services.dashboard(request.user, scope)
        return await _pdf(request, board, f"bilan-{scope.start.isoformat()}-{scope.end.isoformat()}.pdf")


class EventBilan(Controller):
    path = "/events/{event_id:int}/bilan.pdf"
    include_in_schema = False

    @get("/")
    async def bilan(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        board = await services.event_bilan(request.user, event_id)
        return await _pdf(request, board, f"bilan-evenement-{event_id}.pdf")


async def _pdf(request: User, board, filename: str) -> Response[bytes]:
    board = await services.with_logo(board)
    tz = ZoneInfo(board.event["timezone"]) if board.event else get_settings().tz
    today = utcnow().astimezone(tz).date()
    html = render_html("dashboard/bilan.html", board=board, view=_view(board.figures), tz=tz, today=today)
    return Response(
        await render_pdf(html, str(request.base_url)),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{filename}"'},
    )


ROUTES = [DashboardConsole, EventBilan]
