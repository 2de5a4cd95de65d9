"""Rally planning: the instance/solution exchange format (docs/planning-model.md §2–3) and the hard-rule
validator (§5).

Kept free of the database and HTTP so the solver, the CLI and the web app all judge a plan the same way.
"""

from planning.metrics import metrics
from planning.model import (
    Companion,
    Depot,
    Instance,
    Params,
    PlanningFormatError,
    Site,
    Solution,
    Team,
    Travel,
    Visit,
    Youth,
    load_instance,
    load_solution,
)
from planning.solver import InfeasibleInstance, Locks, Progress, SolveResult, solve
from planning.validator import Violation, validate

__all__ = [
    "Companion",
    "Depot",
    "InfeasibleInstance",
    "Locks",
    "Instance",
    "Params",
    "PlanningFormatError",
    "Progress",
    "Site",
    "Solution",
    "SolveResult",
    "Team",
    "Travel",
    "Violation",
    "Visit",
    "Youth",
    "load_instance",
    "load_solution",
    "metrics",
    "solve",
    "validate",
]
