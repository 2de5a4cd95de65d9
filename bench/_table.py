"""The one table `make bench` ends with, as Markdown (to paste into a note), from what bench/_run.py kept.

    python bench/_table.py [var/bench]

One row per measure; for each engine (SQLite; PostgreSQL + Redis) the figure, the hello ceiling measured in
the same benchmark's run (for rows measured over HTTP) and the peak memory (VmHWM, MB) of each process that did
the work: the server's two app processes, or the one process that rendered, solved or sent. A benchmark that
failed shows FAILED in its rows; one that was not run, "not run".
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL + Redis"}
MEMORY_TARGET_MB = 200
PLANNING = {
    "tiny": "tiny.json",
    "rally": "rally.json",
    "large-120-30-40": "120 youths / 30 sites / 40 teams",
    "fair-300-60-100": "300 youths / 60 sites / 100 teams",
    "fair-300-60-100-40s": "300 / 60 / 100, longer",
}


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value >= 100 else f"{value:g}"


def _http(rps: str, p95: str, ratio: bool = True) -> Callable[[dict], str]:
    """Requests per second, p95 and the share of the hello ceiling."""

    def cell(r: dict) -> str:
        text = f"{_n(r[rps])} req/s · p95 {r[p95]:g} ms"
        if ratio and r.get("hello_rps"):
            share = 100 * r[rps] / r["hello_rps"]
            text += f" · {share:.0f} % of hello" if share >= 10 else f" · {share:.1f} % of hello"
        return text

    return cell


def _seconds(key: str, label: str = "") -> Callable[[dict], str]:
    return lambda r: f"{label}{r[key]:g} s"


def _server_memory(r: dict) -> list[float]:
    return r.get("app_processes_rss_mb") or ([r["peak_rss_mb"]] if r.get("peak_rss_mb") else [])


def _registration(r: dict) -> str:
    text = _http("register_rps", "p95_ms")(r)
    expected = min(r["recorded"], r["capacity"])  # a short (BENCH_QUICK) burst may not fill the event
    if r["confirmed"] != expected:
        text += f" · ⚠ {r['confirmed']} places given for {r['capacity']}"
    return text


def _planning(name: str) -> Callable[[dict], str]:
    def cell(r: dict) -> str:
        run = r[name]
        if "error" in run:
            raise KeyError(f"failed: {run['error']}")
        return (
            f"objective {run['itinerary_objective']:g} in {run['seconds']:g} s · {run['hard_violations']} hard "
            f"violations · interest {run['interest_match_pct']:.0f} % · first valid {run['first_valid_s']} s"
        )

    return cell


def _delivery(r: dict) -> str:
    d = r["delivery"]
    return f"{_n(d['messages_per_s'])} messages/s ({_n(d['emails_per_s'])} e-mails/s, {_n(d['sms_per_s'])} SMS/s)"


def _exports(r: dict) -> str:
    slowest = max((k for k in r if k.startswith("export_")), key=lambda k: r[k])
    return f"{r[slowest]:g} s (slowest: {slowest.removeprefix('export_').removesuffix('_xlsx_s')})"


# (label, benchmark, figure, over HTTP beside its hello, memory of the processes that did the work)
Row = tuple[str, str, Callable[[dict], str], bool, Callable[[dict], list[float]]]


def _page(label: str, bench: str, key: str) -> Row:
    """A page hammered at 16 clients, whose figures are `<key>_rps` and `<key>_p95_ms`."""
    return (label, bench, _http(f"{key}_rps", f"{key}_p95_ms"), True, _server_memory)


def _documents(r: dict) -> list[float]:
    return [r["documents_peak_rss_mb"]]


ROWS: list[Row] = [
    ("Registration burst (16 clients, 100 places)", "registration_burst", _registration, True, _server_memory),
    _page("Public event page", "registration_burst", "page"),
    ("Check-in redeem (distinct tickets)", "checkin", _http("redeem_rps", "p95_ms"), True, _server_memory),
    _page("Check-in duplicate scan", "checkin", "dup"),
    ("Badges PDF, 300 youths", "checkin", _seconds("badges_300_s"), False, _documents),
    ("Attendance sheet PDF, 40 youths", "checkin", _seconds("sheet_40_s"), False, _documents),
    *(
        (f"Planning: {label}", "planning", _planning(name), False, lambda r, name=name: [r[name]["peak_rss_mb"]])
        for name, label in PLANNING.items()
    ),
    ("Messages sent (one worker)", "messages", _delivery, False, lambda r: _server_memory(r["delivery"])),
    ("Calendar feed, 1,000 sessions", "messages", lambda r: f"{r['feed']['median_s']:g} s", False, lambda r: []),
    _page("Console: home page", "console_pages", "home"),
    _page("Console: youths list (10,000)", "console_pages", "youths_list"),
    _page("Console: youths by name", "console_pages", "youths_name"),
    _page("Console: youths by phone digits", "console_pages", "youths_phone"),
    _page("Outcomes: follow-ups due", "outcomes", "follow_ups_due"),
    _page("Outcomes: follow-ups overdue", "outcomes", "follow_ups_overdue"),
    _page("Outcomes: adviser's youths", "outcomes", "adviser_page"),
    _page("Reporting: dashboard, a year", "reporting", "dashboard"),
    ("Reporting: dashboard, first answer", "reporting", _seconds("dashboard_first_s"), False, _server_memory),
    ("Reporting: bilan PDF, a year", "reporting", _seconds("bilan_pdf_s"), False, _server_memory),
    ("Reporting: a year's export (XLSX)", "reporting", _exports, False, _server_memory),
]


def _load(folder: Path) -> tuple[dict[str, dict], dict]:
    runs = json.loads((folder / "_runs.json").read_text()) if (folder / "_runs.json").exists() else {}
    results = {p.stem: json.loads(p.read_text()) for p in folder.glob("[!_]*.json")}
    return results, runs


def _one_line(text: str) -> str:
    """Text fit for a table cell: one line, no column separator, not too long."""
    return " ".join(text.replace("|", "/").split())[:160]


def _cells(row: Row, results: dict[str, dict], runs: dict) -> tuple[str, str, str, list[float]]:
    """(figure, hello, memory, memory figures) of one row on one engine."""
    _label, bench, figure, over_http, memory = row
    if bench not in results:
        run = runs.get("runs", {}).get(bench)
        if run is None:
            return "not run", "", "", []
        return f"**FAILED** ({_one_line(run.get('error') or 'no result')})", "", "", []
    r = results[bench]
    try:
        text = figure(r)
    except (KeyError, TypeError, ValueError) as exc:
        return f"**FAILED** ({_one_line(str(exc))})", "", "", []
    errors = r.get("errors") or (r.get("delivery", {}).get("sms_duplicates") if bench == "messages" else 0)
    if errors:
        text += f" · ⚠ {errors} errors"
    hello = f"{_n(r['hello_rps'])} req/s" if over_http and r.get("hello_rps") else "—"
    try:
        peaks = [m for m in memory(r) if m]
    except (KeyError, TypeError):
        peaks = []
    shown = " · ".join(f"{m:.0f}" + (" ⚠" if m > MEMORY_TARGET_MB else "") for m in peaks) or "—"
    return text, hello, shown, peaks


def _run_notes(engine: str, runs: dict) -> list[str]:
    """What is known of one engine's run: when, how long, what failed, which server would not stop."""
    if not runs:
        return [f"{engine}: not run."]
    failed = [name for name, run in runs["runs"].items() if not run["ok"]]
    notes = [
        f"{engine}: finished {runs['finished_at']} in {runs['seconds'] / 60:.0f} min"
        f" on {runs['cpus']} CPUs, two app processes{', Redis' if runs.get('redis') else ''}"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
        + ("; BENCH_QUICK: shortened windows, not a measurement" if runs.get("quick") else "")
        + "."
    ]
    for name, run in runs["runs"].items():
        if run.get("warnings"):
            notes.append(f"{engine}, {name}: a server did not stop within 30 s of SIGTERM (killed).")
    return notes


def render(out: Path) -> str:
    loaded = {engine: _load(out / engine) for engine in ENGINES}
    header = ["Measure"]
    for name in ENGINES.values():
        header += [name, "hello", "peak MB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    over: dict[str, set[str]] = {engine: set() for engine in ENGINES}
    for row in ROWS:
        cells = [row[0]]
        for engine, (results, runs) in loaded.items():
            text, hello, memory, peaks = _cells(row, results, runs)
            cells += [text, hello, memory]
            if any(m > MEMORY_TARGET_MB for m in peaks):
                over[engine].add(row[0])
        lines.append("| " + " | ".join(cells) + " |")
    notes = [note for engine, (_results, runs) in loaded.items() for note in _run_notes(ENGINES[engine], runs)]
    for engine, rows in over.items():
        if rows:
            listed = ", ".join(sorted(rows))
            notes.append(f"{ENGINES[engine]}: peak memory over {MEMORY_TARGET_MB} MB (⚠) in: {listed}.")
    if loaded and not any(over.values()):
        notes.append(f"No process went over {MEMORY_TARGET_MB} MB of peak memory.")
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes)


if __name__ == "__main__":
    print(render(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "bench"))
