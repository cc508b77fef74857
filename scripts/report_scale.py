"""Scale checks of the report pages, in two kinds (docs/benchmarks.md has the results).

    python scripts/report_scale.py [BIG_SCALE]            (make report-scale)
    python scripts/report_scale.py [BIG_SCALE] --history  (make report-history)

Density (the default): over a year of a city's data (BIG_SCALE 1.0 = 1 000 000 check-ins)
a page takes at most 3x as long as over 1/1000 of it, every day 1000 times quieter. Pages
that read a window of raw rows (a week's patrol scans, twelve weeks of crowd counts) do
1000 times the work in it; this kind finds them.

History (``--history``): at the same density, a year of data against its last 91 days
alone (the forecast reads twelve weeks). The week or the twelve weeks a page reads hold
the same rows in both, so a page
should not slow down as years pile up behind them: at most x1.5 (noise). This kind finds
queries that read all of history to answer for a window.

The two sizes get databases of their own, both kept until the end: two SQLite files, or
two PostgreSQL databases made beside DATABASE_URL's (and dropped afterwards). The pages
are then timed in rounds that alternate between the small and the big database, so that
the neighbours' load on a shared machine hits both alike (as `make bench` alternates
Patroli and its twin); each figure is the median over ROUNDS rounds (REPORT_SCALE_ROUNDS).

With REPORT_SCALE_DIR set (SQLite only), the two files are kept in that folder and seeded
only when missing, so that a change can be timed again without seeding a year anew (about
three minutes); delete the files after a change of seed-load or of the schema.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from patrol import create_app
from patrol.extensions import db
from patrol.models import User

PAGES = [
    "/admin/dasbor",
    "/admin/laporan/pelanggaran",
    "/admin/laporan/keramaian",
    "/admin/laporan/kunjungan-kantor",
    "/admin/laporan/cakupan",
    # The checkpoints' overview: its open-alert count reads the week's shifts and scans.
    "/admin/titik/",
    # The busy-hour forecast reads the hourly summary's last weeks, never the years.
    "/api/v1/parks/1/forecast",
    "/taman",
]
LIMIT = 3.0
SMALL = 0.001
# --history: the last HISTORY_DAYS days alone against a year, at the same density; more
# than the forecast's twelve weeks (rules/forecast.py HISTORY_DAYS), the longest window read.
HISTORY_DAYS = 91
HISTORY_LIMIT = 1.5
ROUNDS = int(os.environ.get("REPORT_SCALE_ROUNDS", "9"))


def _psycopg(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@contextmanager
def database(label: str, workdir: Path):
    """A fresh, empty database URL for one size; removed on the way out."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield f"sqlite:///{workdir / f'{label}.db'}"
        return
    if os.environ.get("REPORT_SCALE_DIR"):
        raise SystemExit("REPORT_SCALE_DIR keeps SQLite files; unset DATABASE_URL with it")
    url = sa.engine.make_url(_psycopg(base))
    name = f"{url.database}_report_scale_{label}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seeded_client(url: str, scale: float, days: int = 365):
    """An admin's test client on a database seeded at ``scale`` over ``days`` days."""
    # Asked before the app exists: making it opens (so creates) the SQLite file.
    kept = url.startswith("sqlite:///") and os.environ.get("REPORT_SCALE_DIR")
    kept = kept and Path(url[len("sqlite:///") :]).exists()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # Timed as computed, not as kept by the worker.
            "FORECAST_CACHE_SECONDS": 0,
            "PUBLIC_FEED_CACHE_SECONDS": 0,
        }
    )
    if kept:
        print(f"scale {scale}: kept database {url}")
    else:
        _seed(app, scale, days)
    client = app.test_client()
    client.post("/login", data={"username": "scale-admin", "password": "scale-test-password"})
    return app, client


def _seed(app, scale: float, days: int) -> None:
    from patrol.demo.seed_load import seed_load
    from patrol.services.occupancy_hours import rebuild_checkin_hours

    with app.app_context():
        db.create_all()
        began = time.monotonic()
        result = seed_load(scale=scale, days=days)
        admin = User(username="scale-admin", role="admin", full_name="Admin")
        admin.set_password("scale-test-password")
        db.session.add(admin)
        db.session.commit()
        print(f"scale {scale}: seeded {result.counts} in {time.monotonic() - began:.0f} s")
        # What `flask rebuild-checkin-hours` costs over this much data (a repair).
        began = time.monotonic()
        rows = rebuild_checkin_hours()
        db.session.commit()
        print(
            f"scale {scale}: rebuild-checkin-hours: {rows} rows in {time.monotonic() - began:.1f} s"
        )
        db.session.remove()


def timed(client, page: str) -> float:
    began = time.perf_counter()
    response = client.get(page)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, (page, response.status_code)
    return elapsed


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    history = "--history" in sys.argv[1:]
    big_scale = float(args[0]) if args else 1.0
    # (label, scale, days) of the small and the big database, and the limit between them.
    if history:
        small_db = ("quarter", big_scale * HISTORY_DAYS / 365, HISTORY_DAYS)
        big_db, limit = ("year", big_scale, 365), HISTORY_LIMIT
    else:
        small_db, big_db, limit = ("small", SMALL, 365), ("big", big_scale, 365), LIMIT
    folder = os.environ.get("REPORT_SCALE_DIR")
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(small_db[0], Path(folder or tmp)) as small_url,
        database(big_db[0], Path(folder or tmp)) as big_url,
    ):
        apps = {
            "small": seeded_client(small_url, small_db[1], small_db[2]),
            "big": seeded_client(big_url, big_db[1], big_db[2]),
        }
        runs: dict[tuple[str, str], list[float]] = {}
        for page in PAGES:
            for _app, client in apps.values():
                timed(client, page)  # warm caches, as a busy server would have them
        for round_no in range(ROUNDS):
            order = ["small", "big"] if round_no % 2 == 0 else ["big", "small"]
            for page in PAGES:
                for size in order:
                    runs.setdefault((size, page), []).append(timed(apps[size][1], page))
        for app, _client in apps.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    failed = False
    print(f"median of {ROUNDS} rounds, {small_db[0]} and {big_db[0]} alternating:")
    for page in PAGES:
        small = statistics.median(runs[("small", page)])
        big = statistics.median(runs[("big", page)])
        ratio = big / small
        verdict = "ok" if ratio <= limit else "TOO SLOW"
        failed |= ratio > limit
        print(f"{page:<36} {small * 1000:7.1f} ms -> {big * 1000:7.1f} ms  x{ratio:.2f}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
