"""What recycling gunicorn workers costs: CPU of every gunicorn process per request.

    .venv/bin/python bench/restart_cost.py [SECONDS]

Starts Patroli (production settings, SQLite, bench/run.py's data) and its twin under
gunicorn.conf.py with 5 workers, drives Patroli's public parks JSON and the twin's bare
``/ok`` with wrk, and reads the CPU time of the master and all its workers (the workers
reaped at shutdown, so restarted ones count too) from this process's children's rusage.
Each run is once with ``--max-requests 2000`` (the setting before 1 December 2026) and
once with gunicorn.conf.py's own, twice each, alternating. The CPU of starting and
stopping the server with no load is measured alone and taken off. wrk's own CPU is not
counted: unlike rps, the figure does not move with the neighbours on a shared machine.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as bench_run  # noqa: E402
from bench.harness import run_wrk, start_gunicorn  # noqa: E402

OLD = "--max-requests 2000 --max-requests-jitter 200"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def served(name: str, app: str, env: dict, tmp: Path, path: str | None, seconds: int):
    """CPU seconds of a gunicorn run and the requests it answered (path None: no load)."""
    before = children_cpu()
    server = start_gunicorn(name, app, env, 5, tmp / f"{name}.log")
    try:
        requests = run_wrk(server.base + path, seconds, 8).requests if path else 0
    finally:
        server.stop()
    return children_cpu() - before, requests


def main() -> int:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    os.environ.setdefault("BENCH_SEED_SCALE", "0.001")
    with tempfile.TemporaryDirectory(prefix="patroli-restart-") as tmpdir:
        tmp = Path(tmpdir)
        env = bench_run.app_env(f"sqlite:///{tmp / 'bench.db'}", tmp)
        bench_run.prepare(env)
        print("| server | workers recycled after | requests | CPU ms per request | rps |")
        print("|---|---|---:|---:|---:|")
        for name, app, path in (
            ("Patroli", "wsgi:app", "/api/v1/parks"),
            ("twin", "bench.minimal_app:app", "/ok"),
        ):
            for setting in ("old", "new", "old", "new"):
                if setting == "old":
                    os.environ["GUNICORN_CMD_ARGS"] = OLD
                else:
                    os.environ.pop("GUNICORN_CMD_ARGS", None)
                idle, _ = served(name, app, env, tmp, None, seconds)
                used, requests = served(name, app, env, tmp, path, seconds)
                label = "2 000" if setting == "old" else "gunicorn.conf.py"
                print(
                    f"| {name} `{path}` | {label} | {requests} | "
                    f"{(used - idle) / requests * 1000:.3f} | {requests / seconds:.0f} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
