"""How fast the export jobs write a year: rows per second per format, in-process.

    .venv/bin/python bench/export_timing.py [SCALE]     (DATABASE_URL: PostgreSQL, else SQLite)

Seeds ``seed-load --scale SCALE`` (default 0.1: 100 000 check-ins, 10 000 violations) into
a throwaway database (SQLite file, or a fresh database beside DATABASE_URL), then runs the
year's check-in export as CSV and as XLSX and the year's violations as XLSX through
``export_jobs.run_job`` (the code the job runners call) and prints rows, seconds, rows per
second and file size.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import drop_postgres, fresh_postgres  # noqa: E402

from patrol import create_app  # noqa: E402
from patrol.config import database_uri  # noqa: E402
from patrol.demo.seed_load import seed_load  # noqa: E402
from patrol.extensions import db  # noqa: E402
from patrol.models import ExportJob, User  # noqa: E402
from patrol.rules.timeutil import wib_today  # noqa: E402
from patrol.services import export_jobs  # noqa: E402

RUNS = (("kunjungan-kantor", "csv"), ("kunjungan-kantor", "xlsx"), ("pelanggaran", "xlsx"))


def main() -> int:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    pg = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url = fresh_postgres(pg, "exports") if pg else f"sqlite:///{tmp / 'exports.db'}"
        try:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": database_uri(url, str(tmp)),
                    "SECRET_KEY": "bench-exports",
                    "EXPORT_FOLDER": str(tmp / "exports"),
                }
            )
            with app.app_context():
                db.create_all()
                began = time.monotonic()
                seed_load(scale=scale)
                db.session.commit()
                print(f"seed-load --scale {scale}: {time.monotonic() - began:.0f} s")
                admin = User(username="bench-admin", role="admin", full_name="Admin")
                admin.password_hash = "!"  # noqa: S105 - nobody logs in
                db.session.add(admin)
                db.session.commit()
                today = wib_today()
                year = {"start": (today - timedelta(days=364)).isoformat(), "end": str(today)}
                print("| export | rows | seconds | rows/s | file MB |")
                print("|---|---:|---:|---:|---:|")
                for name, fmt in RUNS:
                    job = export_jobs.create_job(admin.id, name, fmt, year, f"{name}.{fmt}")
                    db.session.commit()
                    began = time.monotonic()
                    export_jobs.run_job(job.id)
                    took = time.monotonic() - began
                    db.session.expire_all()
                    job = db.session.get(ExportJob, job.id)
                    assert job.status == "done", job.status
                    print(
                        f"| {name}.{fmt} | {job.rows_done:,} | {took:.1f} | "
                        f"{job.rows_done / took:,.0f} | {job.size_bytes / 1e6:.1f} |"
                    )
                db.session.remove()
                db.engine.dispose()
        finally:
            if pg:
                drop_postgres(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
