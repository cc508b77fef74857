"""Which report queries lack an index: EXPLAIN every query the report pages run on PostgreSQL.

Usage: DATABASE_URL=postgresql://... python bench/explain_reports.py [SCALE]
Makes a fresh database beside DATABASE_URL, fills it with ``seed-load --scale SCALE``
(0.1 by default: 100 000 check-ins), requests each report page as an admin while
recording the SQL, runs EXPLAIN on each statement, and prints one line per statement: the
tables read by a sequential scan over a large table (a missing index) or "index only".
The database is dropped at the end.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import drop_postgres, fresh_postgres  # noqa: E402

PAGES = [
    "/admin/dasbor",
    "/admin/laporan/pelanggaran",
    "/admin/laporan/keramaian",
    "/admin/laporan/kunjungan-kantor",
    "/admin/laporan/cakupan",
    "/api/v1/parks",
]
BIG = {"checkins", "violations", "crowd_counts", "visits", "assignments", "audit_events"}


def scans(plan: dict) -> list[tuple[str, str]]:
    """(node type, table) of every scan in a JSON plan."""
    found = []
    if "Relation Name" in plan:
        # A monthly partition of check-ins (PostgreSQL, migration 0012) counts as check-ins.
        table = re.sub(r"^checkins_(\d{4}_\d{2}|default)$", "checkins", plan["Relation Name"])
        found.append((plan["Node Type"], table))
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def seq_scans(conn, statement: str, parameters) -> list[str]:
    """Large tables that the plan of ``statement`` reads by a sequential scan."""
    raw = conn.connection.dbapi_connection.cursor()
    raw.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    plan = raw.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return sorted({t for kind, t in scans(plan[0]["Plan"]) if kind == "Seq Scan" and t in BIG})


def main() -> int:
    base = os.environ["DATABASE_URL"]
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    url = fresh_postgres(base, "explain")
    try:
        from sqlalchemy import event

        from patrol import create_app
        from patrol.demo.seed_load import seed_load
        from patrol.extensions import db
        from patrol.services.people import create_user

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            seed_load(scale=scale)
            create_user("explain_admin", "admin", "explain-password-1")
            db.session.commit()
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        statements: list[tuple[str, str, object]] = []
        page = {"path": ""}

        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT") and not executemany:
                statements.append((page["path"], statement, parameters))

        client = app.test_client()
        client.post("/login", data={"username": "explain_admin", "password": "explain-password-1"})
        for path in PAGES:
            page["path"] = path
            status = client.get(path).status_code
            print(f"# {path}: {status}")
        event.remove(engine, "before_cursor_execute", record)
        missing = 0
        with engine.connect() as conn:
            seen = set()
            for path, statement, parameters in statements:
                if statement in seen:
                    continue
                seen.add(statement)
                # The planner's own choice first; then with sequential scans disabled: a seq
                # scan that remains has no index to use (a missing index), one that goes
                # away was only the cheaper plan for a table this small.
                chosen = seq_scans(conn, statement, parameters)
                conn.exec_driver_sql("SET enable_seqscan = off")
                forced = seq_scans(conn, statement, parameters)
                conn.exec_driver_sql("SET enable_seqscan = on")
                missing += bool(forced)
                first = " ".join(statement.split())[:100]
                if forced:
                    verdict = f"NO INDEX for {', '.join(forced)}"
                elif chosen:
                    verdict = f"indexed (seq scan on {', '.join(chosen)} chosen: small table)"
                else:
                    verdict = "indexed"
                print(f"| {path} | {verdict} | `{first}` |")
        print(f"{len(seen)} distinct statements, {missing} without a usable index")
    finally:
        drop_postgres(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
