"""Scale check: report pages over a year of data take at most 3x as long as over 1/1000 of it.

Usage: python scripts/report_scale.py [BIG_SCALE]   (default 1.0 = 1 000 000 check-ins)
Each size gets a fresh SQLite file (or DATABASE_URL's PostgreSQL database, emptied).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from patrol import create_app
from patrol.extensions import db
from patrol.models import User

PAGES = [
    "/admin/dasbor",
    "/admin/laporan/pelanggaran",
    "/admin/laporan/keramaian",
    "/admin/laporan/kunjungan-kantor",
    "/admin/laporan/cakupan",
]
LIMIT = 3.0


def timings(scale: float, workdir: Path) -> dict[str, float]:
    """Median seconds per page over a database seeded at ``scale``."""
    from patrol.services.occupancy_hours import rebuild_checkin_hours
    from patrol.services.seed_load import seed_load

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / f'scale-{scale}.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.monotonic()
        result = seed_load(scale=scale)
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
    client = app.test_client()
    client.post("/login", data={"username": "scale-admin", "password": "scale-test-password"})
    out = {}
    for page in PAGES:
        client.get(page)  # warm caches, as a busy server would have them
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            response = client.get(page)
            runs.append(time.perf_counter() - began)
            assert response.status_code == 200, (page, response.status_code)
        out[page] = statistics.median(runs)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return out


def main() -> int:
    big_scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    with tempfile.TemporaryDirectory() as tmp:
        small = timings(0.001, Path(tmp))
        big = timings(big_scale, Path(tmp))
    failed = False
    for page in PAGES:
        ratio = big[page] / small[page]
        verdict = "ok" if ratio <= LIMIT else "TOO SLOW"
        failed |= ratio > LIMIT
        print(
            f"{page:<36} {small[page] * 1000:7.1f} ms -> {big[page] * 1000:7.1f} ms  "
            f"x{ratio:.2f}  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
