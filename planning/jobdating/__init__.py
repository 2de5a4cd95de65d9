"""Job dating: interview slots between youths and the recruiting companies that match their interests.

`model.py` is the exchange format, `rules.py` the validator of J01–J10 and the metrics, `solver.py` the
planner, `store.py` the event's data in and the plan out (runs, moves by hand, publication), `console.py`
the organiser's page. What a caller needs is re-exported here.
"""

from planning.jobdating.model import (
    Company,
    Interview,
    JobDatingInstance,
    JobDatingParams,
    JobDatingPlan,
    JobYouth,
    PlanningFormatError,
    Violation,
    load_job_dating,
    load_job_dating_plan,
    plan_to_json,
)
from planning.jobdating.rules import job_dating_metrics, validate_job_dating
from planning.jobdating.solver import SOLVER_NAME, JobDatingInfeasible, JobDatingResult, solve_job_dating

__all__ = [
    "SOLVER_NAME",
    "Company",
    "Interview",
    "JobDatingInfeasible",
    "JobDatingInstance",
    "JobDatingParams",
    "JobDatingPlan",
    "JobDatingResult",
    "JobYouth",
    "PlanningFormatError",
    "Violation",
    "job_dating_metrics",
    "load_job_dating",
    "load_job_dating_plan",
    "plan_to_json",
    "solve_job_dating",
    "validate_job_dating",
]
