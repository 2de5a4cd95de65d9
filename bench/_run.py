"""`make bench`: every benchmark on SQLite, then on PostgreSQL with Redis, then one table.

For each engine, runs each `bench/<name>.py` (not the helpers starting with `_`) in turn and keeps what it
printed last, its JSON, in `var/bench/<engine>/<name>.json`; its output in `<name>.log`; how long it took and
whether it failed in `_runs.json`. SQLite runs with neither DATABASE_URL nor REDIS_URL (each script makes its
own file); PostgreSQL runs on a database of its own, `tremplin_bench` on 127.0.0.1:5432
(BENCH_POSTGRES_URL to change it), created first, emptied before each script and dropped at the end, with a
throwaway `redis-server` on a free port (nothing of the machine's Redis is touched), flushed before each script.
The servers the benchmarks start run two app processes on both engines. Then prints the table of
`bench/_table.py` (also written to `var/bench/table.md`) and exits non-zero if a benchmark failed.

    python bench/_run.py [--engine sqlite|postgresql] [name ...]

Naming scripts runs only them and keeps the other scripts' results of the last run in the table.

BENCH_QUICK=1 shortens every measuring window to check the chain end to end in a few minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import _table  # noqa: E402
from bench._loadgen import STOP_WARNING  # noqa: E402

OUT = ROOT / "var" / "bench"
ENGINES = ("sqlite", "postgresql")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/tremplin_bench")
TIMEOUT = 15 * 60  # a benchmark takes under 3 minutes on a quiet machine; past this it has hung


def scripts() -> list[str]:
    return sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))


def _psql(url: str, *sql: str, database: str = "postgres") -> None:
    """Runs statements on the server of `url`, connected to its `postgres` database (as .ci/run does)."""
    parts = urlsplit(url)
    command = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", parts.hostname or "127.0.0.1"]
    command += ["-p", str(parts.port or 5432), "-U", parts.username or "postgres", "-d", database]
    for statement in sql:
        command += ["-c", statement]
    env = {**os.environ, **({"PGPASSWORD": parts.password} if parts.password else {})}
    subprocess.run(command, check=True, env=env, capture_output=True, text=True)


def _database() -> str:
    return urlsplit(POSTGRES_URL).path.lstrip("/")


def _fresh_database() -> None:
    """The bench database, dropped (with any connection left) and created again."""
    _psql(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{_database()}" WITH (FORCE)', f'CREATE DATABASE "{_database()}"')


def _empty_database() -> None:
    """Every table gone, for the next script (cheaper than a new database: no checkpoint)."""
    _psql(POSTGRES_URL, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public", database=_database())


def _flush(redis_url: str) -> None:
    parts = urlsplit(redis_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(b"FLUSHALL\r\n")
        assert connection.recv(16).startswith(b"+OK")


def run_one(name: str, env: dict[str, str], folder: Path) -> dict:
    """Runs bench/<name>.py; keeps its JSON and its output. Returns what `_runs.json` says of it."""
    log_path = folder / f"{name}.log"
    began = time.monotonic()
    lines: list[str] = []
    with open(log_path, "w") as log:
        # A session of its own: whatever it leaves running (a server that would not stop) is ended with it.
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / f"{name}.py")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )

        def read() -> None:  # shown as it comes (planning prints a line per instance)
            for line in process.stdout:
                log.write(line)
                if line.strip():
                    lines.append(line.strip())
                    if not line.startswith("{"):
                        print(f"   {line.strip()}", flush=True)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"   still running after {TIMEOUT // 60} min: stopped", flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the script, if it hung, and anything it left behind
        process.wait()
        reader.join(timeout=10)
    seconds = round(time.monotonic() - began, 1)
    error = None
    if process.returncode:
        error = f"exit status {process.returncode}" if process.returncode > 0 else "stopped (it hung)"
    else:
        try:
            result = json.loads(lines[-1] if lines else "")
            (folder / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        except ValueError:
            error = "no JSON on its last line"
    output = log_path.read_text(errors="replace")
    if error:
        print(f"   FAILED ({error}); last lines of {log_path.relative_to(ROOT)}:", flush=True)
        for line in output.strip().splitlines()[-15:]:
            print(f"   | {line[:300]}", flush=True)
    warnings = [line[:300] for line in output.splitlines() if line.startswith(STOP_WARNING)]
    return {"seconds": seconds, "ok": error is None, "error": error, "warnings": warnings}


def _clear(folder: Path, names: list[str], keep_others: bool) -> dict[str, dict]:
    """Removes the results about to be replaced; returns the earlier runs kept."""
    earlier = {}
    if keep_others and (folder / "_runs.json").exists():
        earlier = {k: v for k, v in json.loads((folder / "_runs.json").read_text())["runs"].items() if k not in names}
        for name in names:
            for suffix in (".json", ".log"):
                (folder / f"{name}{suffix}").unlink(missing_ok=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return earlier


def run_engine(engine: str, names: list[str], *, keep_others: bool = False) -> dict:
    """Runs `names` on `engine`. With `keep_others`, the other scripts' results of an earlier run stay."""
    folder = OUT / engine
    earlier = _clear(folder, names, keep_others)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    runs: dict[str, dict] = {}
    redis = None
    began = time.monotonic()
    try:
        if engine == "postgresql":
            from tests.support import RedisServer

            _fresh_database()
            redis = RedisServer(Path(tempfile.mkdtemp(prefix="tremplin-bench-redis-")))
            redis.start()
            env |= {"DATABASE_URL": POSTGRES_URL, "REDIS_URL": redis.url}
        for name in names:
            print(f"== {engine}: bench/{name}.py", flush=True)
            if redis is not None:  # as each SQLite run has a new file: the demo loads only into an empty one
                _empty_database()
                _flush(redis.url)
            runs[name] = run_one(name, env, folder)
            print(f"   {'ok' if runs[name]['ok'] else 'FAILED'} in {runs[name]['seconds']:.0f} s", flush=True)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:  # PostgreSQL or Redis not there
        detail = " ".join((getattr(exc, "stderr", None) or str(exc)).split())
        print(f"== {engine}: could not start: {detail}", flush=True)
        for name in names:
            runs.setdefault(name, {"seconds": 0, "ok": False, "error": f"not run: {detail[:160]}"})
    finally:
        if redis is not None:
            redis.stop()
        if engine == "postgresql":
            with contextlib.suppress(OSError, subprocess.CalledProcessError):
                _psql(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{_database()}" WITH (FORCE)')
    meta = {
        "engine": engine,
        "redis": redis is not None,
        "quick": os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        "cpus": os.cpu_count(),
        "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": round(time.monotonic() - began + sum(run["seconds"] for run in earlier.values())),
        "runs": {**earlier, **runs},
    }
    (folder / "_runs.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, action="append", help="only this engine (repeatable)")
    parser.add_argument("names", nargs="*", help="only these benchmarks (default: all)")
    args = parser.parse_args()
    names = args.names or scripts()
    unknown = set(names) - set(scripts())
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    failed = False
    for engine in args.engine or ENGINES:
        meta = run_engine(engine, names, keep_others=bool(args.names))
        failed |= not all(run["ok"] for run in meta["runs"].values())
    table = _table.render(OUT)
    (OUT / "table.md").write_text(table + "\n")
    print()
    print(table)
    if failed:
        print("\nSome benchmarks failed: see their rows, and var/bench/<engine>/<name>.log.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
