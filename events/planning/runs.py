"""Planner runs in the background: queued by the console, run in their own process, cancellable.

The solver is pure CPU work for seconds: it never runs in a request handler. `start_run` records
a run and starts `python -m events.planning.runs RUN_ID`, which loads the event, solves in a
thread and, from its event loop, writes the best objective so far twice a second and watches
for a cancellation asked from the console. Only a finished, valid plan replaces the current one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from typing import Any

from app.accounts.services import CurrentUser, require_role
from app.accounts.tables import Role
from app.clock import utcnow
from app.db import close_pool, open_pool
from app.errors import Refusal
from app.i18n import gettext as _
from app.i18n import language, lazy
from app.settings import get_settings
from events.planning import store
from events.planning.model import PlanningFormatError, load_solution, solution_to_json
from events.planning.solver import InfeasibleInstance, Locks, Progress, solve
from events.planning.validator import validate
from events.services import get_event
from events.tables import PlanningRun, PlanningStatus

ACTIVE = (PlanningStatus.queued, PlanningStatus.running)
PROGRESS_EVERY_S = 0.5


class PlanningBusy(Refusal):
    code = "planning_busy"
    status_code = 409
    message = lazy("The planner is already working on this event.")


async def start_run(
    user: CurrentUser, event_id: int, *, kind: str = "rally", seconds: int = 10, seed: int = 0, spawn: bool = True
) -> int:
    """Queue a run of the planner (`kind` rally or job_dating) for an event (organisers only) and start it."""
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)
    if await PlanningRun.exists().where((PlanningRun.event == event_id) & PlanningRun.status.is_in(list(ACTIVE))):
        raise PlanningBusy()
    run = PlanningRun(event=event_id, kind=kind, seconds=max(1, min(seconds, 120)), seed=seed, requested_by=user.id)
    await run.save()
    if spawn:
        _spawn(run.id)
    return run.id


def _spawn(run_id: int) -> None:
    log = open(os.path.join(get_settings().var_dir, f"planning-{run_id}.log"), "ab")  # noqa: SIM115 - child owns it
    process = subprocess.Popen(
        [sys.executable, "-m", "events.planning.runs", str(run_id)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # survives a restart of the web server
        env=os.environ.copy(),
    )
    log.close()
    # The run reports through the database; waiting for its end only reaps it (a Popen dropped while its
    # child runs leaves a zombie until the next spawn, and warns).
    threading.Thread(target=process.wait, name=f"planning-run-{run_id}", daemon=True).start()


async def cancel_run(user: CurrentUser, event_id: int) -> None:
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)
    await PlanningRun.update({PlanningRun.cancel_requested: True}).where(
        (PlanningRun.event == event_id) & PlanningRun.status.is_in(list(ACTIVE))
    )


async def latest_run(event_id: int) -> dict[str, Any] | None:
    return (
        await PlanningRun.select()
        .where(PlanningRun.event == event_id)
        .order_by(PlanningRun.id, ascending=False)
        .output(load_json=True)
        .first()
    )


async def finish(run_id: int, status: PlanningStatus, message: str = "", progress: dict | None = None) -> None:
    values: dict[Any, Any] = {
        PlanningRun.status: status,
        PlanningRun.message: message,
        PlanningRun.finished_at: utcnow(),
    }
    if progress is not None:
        values[PlanningRun.progress] = progress
    await PlanningRun.update(values).where(PlanningRun.id == run_id)


def _locks(document: dict) -> Locks:
    return Locks(
        teams=frozenset(t["id"] for t in document["teams"] if t.get("locked")),
        visits=frozenset(
            (t["id"], v["site_id"], v["day"]) for t in document["teams"] for v in t["visits"] if v.get("locked")
        ),
    )


async def execute_run(run_id: int) -> PlanningStatus:
    """Run a queued planner run to its end; the status it ended with."""
    claimed = (
        await PlanningRun.update({PlanningRun.status: PlanningStatus.running})
        .where((PlanningRun.id == run_id) & (PlanningRun.status == PlanningStatus.queued))
        .returning(PlanningRun.event, PlanningRun.kind, PlanningRun.seconds, PlanningRun.seed)
    )
    if not claimed:
        return PlanningStatus.failed
    run = claimed[0]
    event = await store.event_row(run["event"])
    if run["kind"] == "job_dating":
        from events.planning.jobdating_store import execute_job_dating_run  # it uses this module's helpers

        return await execute_job_dating_run(run_id, run, event)
    try:
        instance = await store.instance_of(event)
        current = await store.plan_document(event)
    except (store.PlanningDataMissing, PlanningFormatError) as error:
        with language("fr"):
            message = error.text() if isinstance(error, store.PlanningDataMissing) else str(error)
        await finish(run_id, PlanningStatus.failed, message)
        return PlanningStatus.failed
    locks = _locks(current)
    start = load_solution(current) if current["teams"] else None

    stop = threading.Event()
    latest: dict[str, Any] = {"phase": "teams", "elapsed": 0.0, "objective": None, "violations": None}

    def on_progress(progress: Progress) -> None:
        latest.update(
            phase=progress.phase,
            elapsed=round(progress.elapsed, 1),
            objective=progress.objective,
            violations=progress.violations,
        )

    def work():
        with language("fr"):
            return solve(
                instance,
                seconds=run["seconds"],
                seed=run["seed"],
                start=start,
                locks=locks,
                on_progress=on_progress,
                should_stop=stop.is_set,
            )

    job = asyncio.ensure_future(asyncio.to_thread(work))
    while not job.done():
        await asyncio.wait({job}, timeout=PROGRESS_EVERY_S)
        state = await PlanningRun.select(PlanningRun.cancel_requested).where(PlanningRun.id == run_id).first()
        if state and state["cancel_requested"]:
            stop.set()
        await PlanningRun.update({PlanningRun.progress: dict(latest)}).where(PlanningRun.id == run_id)
    try:
        result = job.result()
    except InfeasibleInstance as error:
        message = "\n".join(f"{p.code} — {p.message}" for p in error.problems)
        await finish(run_id, PlanningStatus.failed, message)
        return PlanningStatus.failed
    if stop.is_set():
        await finish(run_id, PlanningStatus.cancelled, progress=dict(latest))
        return PlanningStatus.cancelled
    problems = validate(instance, result.solution)
    if problems:  # never replace a plan by a broken one
        await finish(run_id, PlanningStatus.failed, "\n".join(f"{p.code} — {p.message}" for p in problems))
        return PlanningStatus.failed
    await store.save_plan(
        event, solution_to_json(result.solution, locked_teams=locks.teams, locked_visits=locks.visits)
    )
    summary = {key: result.metrics.get(key) for key in store.SUMMARY_METRICS}
    await finish(run_id, PlanningStatus.done, progress=dict(latest, phase="done", **summary))
    return PlanningStatus.done


async def _main(run_id: int) -> None:
    await open_pool()
    try:
        try:
            await execute_run(run_id)
        except Exception as error:  # the console must learn that the run ended
            with language("fr"):
                await finish(
                    run_id, PlanningStatus.failed, _("The planner stopped on an error: %(error)s", error=error)
                )
            raise
    finally:
        await close_pool()


if __name__ == "__main__":
    import app  # noqa: F401 - puts the repository on the path and configures Piccolo

    asyncio.run(_main(int(sys.argv[1])))
