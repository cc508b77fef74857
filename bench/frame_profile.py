"""What every request pays around its own work: time per request in-process, and a profile.

    .venv/bin/python bench/frame_profile.py [N] [--profile PATH]

Builds the app on a throwaway SQLite file with the demo data, logs in the demo officer and
admin, and times N requests (default 300) of pages that do little work of their own, so
that the shared frame (session and user load, access rule, CSRF, locale, base template,
security headers) is most of what is measured. With ``--profile PATH`` it prints
pyinstrument's profile of that path (pip install pyinstrument==5.1.3; make bench does).
No HTTP server: the Flask test client; the figures are this process's CPU time per request.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from patrol import create_app  # noqa: E402
from patrol.demo.seed import seed_demo  # noqa: E402
from patrol.extensions import db  # noqa: E402

PASSWORD = "bench-frame-123"  # noqa: S105 - a throwaway database
PATHS = {
    "anonymous": ["/healthz", "/taman", "/api/v1/parks", "/login"],
    "officer": ["/patroli/"],
    "admin": ["/admin/titik/", "/admin/laporan/ekspor/"],
}


def build(tmp: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'frame.db'}",
            "SECRET_KEY": "bench-frame",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_FEED_CACHE_SECONDS": 0,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo(password=PASSWORD)
        db.session.commit()
    return app


def client_for(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        username = {"officer": "petugas", "admin": "admin"}[role]
        reply = client.post("/login", data={"username": username, "password": PASSWORD})
        assert reply.status_code == 302, reply.status_code
    return client


def timed(client, path: str, n: int) -> list[float]:
    client.get(path)  # warm: templates compiled, caches filled
    out = []
    for _ in range(n):
        # CPU time of this process: on a shared, loaded machine wall time mostly measures
        # the neighbours.
        began = time.process_time()
        reply = client.get(path)
        out.append((time.process_time() - began) * 1000)
        assert reply.status_code == 200, (path, reply.status_code)
    return out


def main() -> int:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 300
    profile = args[args.index("--profile") + 1] if "--profile" in args else None
    with tempfile.TemporaryDirectory() as tmpdir:
        app = build(Path(tmpdir))
        if profile:
            from pyinstrument import Profiler

            role = next((r for r, paths in PATHS.items() if profile in paths), "officer")
            client = client_for(app, role)
            timed(client, profile, 5)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            timed(client, profile, n)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            return 0
        print("| path | as | CPU ms per request (median) | p90 |")
        print("|---|---|---:|---:|")
        for role, paths in PATHS.items():
            client = client_for(app, role)
            for path in paths:
                samples = timed(client, path, n)
                p90 = statistics.quantiles(samples, n=10)[-1]
                print(f"| `{path}` | {role} | {statistics.median(samples):.2f} | {p90:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
