"""The planner's own process: `python -m planning.runner RUN_ID` claims a queued run and carries it out.

Started by `planning.runs.start_run`; a rally's run is carried out here, a job dating's by
`planning.jobdating.store`. Both keep the run's row up to date through `planning.runs`.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

from core.db import close_pool, open_pool
from core.i18n import gettext as _
from core.i18n import language
from planning import store
from planning.jobdating.store import execute_job_dating_run
from planning.model import PlanningFormatError, load_solution, solution_to_json
from planning.runs import finish, watch
from planning.solver import InfeasibleInstance, Locks, Progress, solve
from planning.tables import PlanningRun, PlanningStatus
from planning.validator import validate


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
    await watch(run_id, job, stop, latest)
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
    asyncio.run(_main(int(sys.argv[1])))
