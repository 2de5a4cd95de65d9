"""Planner runs in the background: queued by the console, run in their own process, cancellable.

The solver is pure CPU work for seconds: it never runs in a request handler. `start_run` records
a run and starts `python -m planning.runner RUN_ID`, which loads the event, solves in a
thread and, from its event loop, writes the best objective so far twice a second and watches
for a cancellation asked from the console. Only a finished, valid plan replaces the current one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.clock import utcnow
from core.errors import Refusal
from core.i18n import lazy
from core.settings import get_settings
from events.services import get_event
from planning.tables import PlanningRun, PlanningStatus

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


ROOT = Path(__file__).resolve().parents[1]


def _spawn(run_id: int) -> None:
    log = open(os.path.join(get_settings().var_dir, f"planning-{run_id}.log"), "ab")  # noqa: SIM115 - child owns it
    process = subprocess.Popen(
        [sys.executable, "-m", "planning.runner", str(run_id)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # survives a restart of the web server
        env=os.environ.copy(),
        cwd=ROOT,  # `-m planning.runner` and piccolo_conf are found from the repository's root
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


async def watch(
    run_id: int, job: asyncio.Future, stop: threading.Event, latest: dict[str, Any], *, clock: bool = False
) -> None:
    """Until the solver's job ends, store its progress on the run and pass on a cancellation asked for.

    `clock`: the solver reports after each phase only, so the elapsed time is kept ticking here."""
    began = asyncio.get_running_loop().time()
    while not job.done():
        await asyncio.wait({job}, timeout=PROGRESS_EVERY_S)
        state = await PlanningRun.select(PlanningRun.cancel_requested).where(PlanningRun.id == run_id).first()
        if state and state["cancel_requested"]:
            stop.set()
        if clock:
            latest["elapsed"] = round(asyncio.get_running_loop().time() - began, 1)
        await PlanningRun.update({PlanningRun.progress: dict(latest)}).where(PlanningRun.id == run_id)
