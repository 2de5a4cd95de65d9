"""The rally planning solver on the two example instances and two generated fair-sized ones.

Each instance is solved in its own child process (so the peak memory is that solve's alone): tiny.json and
rally.json with 2 s, a generated 120 youths / 30 sites / 40 teams with 10 s and a generated 300 / 60 / 100
(capacity-2 sites, min_visits 3) with 20 s, then the 300 / 60 / 100 again with 40 s to show the objective
improving with more time (the best objective at intermediate times is printed too). No server, no database.
Last line: one JSON object keyed by instance name.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "planning" / "examples"
# name -> (source, seconds); a source is an example file name or a generated size of generate.SIZES.
RUNS: dict[str, tuple[str, float]] = {
    "tiny": ("tiny.json", 2.0),
    "rally": ("rally.json", 2.0),
    "large-120-30-40": ("large", 10.0),
    "fair-300-60-100": ("fair", 20.0),
    "fair-300-60-100-40s": ("fair", 40.0),
}
CHECKPOINTS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0)


def child(source: str, seconds: float) -> None:
    """Solve one instance and print one JSON line (runs inside the child process)."""
    from planning import load_instance
    from planning.generate import generate_named
    from planning.solver import solve

    if source.endswith(".json"):
        data = json.loads((EXAMPLES / source).read_text(encoding="utf-8"))
    else:
        data = generate_named(source)
    instance = load_instance(data)
    began = time.perf_counter()
    result = solve(instance, seconds=seconds, seed=0)
    elapsed = time.perf_counter() - began
    m = result.metrics
    history = result.history
    at = {}
    for checkpoint in CHECKPOINTS:
        if checkpoint <= seconds:
            reached = [objective for when, objective in history if when <= checkpoint]
            at[f"{checkpoint:g}s"] = reached[-1] if reached else None
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "youths": len(instance.youths),
                "sites": len(instance.sites),
                "teams": len(result.solution.teams),
                "hard_violations": m["hard_violations"],
                "itinerary_objective": m["itinerary_objective"],
                "interest_match_pct": m["interest_match_pct"],
                "min_team_match_pct": m["min_team_match_pct"],
                "uncovered_sites": m["uncovered_sites"],
                "total_travel_minutes": m["total_travel_minutes"],
                "balance_deviation": m["balance_deviation"],
                "seconds": round(elapsed, 2),
                "first_valid_s": history[0][0] if history else None,
                "objective_at": at,
                "peak_rss_mb": round(peak_kb / 1024, 1),
            }
        )
    )


def main() -> dict:
    from bench._loadgen import window  # here, not in the children: their peak memory is the solve's alone

    results = {}
    for name, (source, seconds) in RUNS.items():
        process = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", source, str(window(seconds))],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if process.returncode != 0:
            results[name] = {"error": process.stderr.strip().splitlines()[-1:]}
            print(f"{name}: FAILED {process.stderr.strip()[-500:]}", flush=True)
            continue
        row = json.loads(process.stdout.strip().splitlines()[-1])
        results[name] = row
        print(
            f"{name:22s} {row['youths']:3d} youths {row['sites']:2d} sites {row['teams']:3d} teams |"
            f" violations {row['hard_violations']} | objective {row['itinerary_objective']:g}"
            f" | interest {row['interest_match_pct']:.1f}% (min team {row['min_team_match_pct']:.1f}%)"
            f" | uncovered {row['uncovered_sites']} | travel {row['total_travel_minutes']:g} min"
            f" | balance dev {row['balance_deviation']:.3f} | {row['seconds']:.1f} s"
            f" (first valid {row['first_valid_s']} s) | peak {row['peak_rss_mb']:.0f} MB",
            flush=True,
        )
        print(f"{'':22s} best objective over time: {row['objective_at']}", flush=True)
    return results


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], float(sys.argv[3]))
    else:
        print(json.dumps(main()))
