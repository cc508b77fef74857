"""Migration 0012 (check-ins partitioned by month) on seed-load volumes, timed and checked.

Usage: DATABASE_URL=postgresql://... python bench/partition_test.py [SCALE]
(``make partition-test``, SCALE 0.1 by default: 100 000 check-ins; SCALE=1: a million).

On a fresh database beside DATABASE_URL (dropped at the end): migrations up to 0011, the
database a deployment has before this change; ``seed_load`` fills it (the check-in rows
only, ``at_0011=True``, since that table does not exist yet at 0011: the migration
under test backfills it); then migration 0012 runs, timed, and these must hold:

- per UTC month, the same number of check-ins and the same rows (a checksum of every
  column, ids included) before and after; every month with data has its own partition
  holding exactly that month; the default partition is empty;
- one key in checkin_keys per check-in, pointing at its (id, checked_in_at);
- a retried check-in (a seeded UUID) returns the seeded row and adds none; a new one
  lands in the current month's partition;
- EXPLAIN of the office-visits export query (a week of check-ins) reads only that week's partitions;
  the look-up by UUID runs one partition's primary key;
- the downgrade to 0011, timed, gives back a plain table with the same rows per month
  and the unique constraints of 0011.

Exits non-zero on the first failed check.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import drop_postgres, fresh_postgres  # noqa: E402

# Per UTC month: count and an md5 of every column of every row, in id order.
MONTHS = """
SELECT to_char(date_trunc('month', checked_in_at AT TIME ZONE 'UTC'), 'YYYY_MM') AS month,
       count(*), md5(string_agg(c::text, ',' ORDER BY id))
FROM checkins AS c GROUP BY 1 ORDER BY 1
"""


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        raise Failed(what)


def plan_nodes(plan: dict) -> list[dict]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += plan_nodes(child)
    return nodes


def explain(conn, statement: str, parameters, analyze: bool = False) -> list[dict]:
    raw = conn.connection.dbapi_connection.cursor()
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    raw.execute(f"EXPLAIN ({options}) " + statement, parameters)
    plan = raw.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return plan_nodes(plan[0]["Plan"])


class StatementClock:
    """Time spent per kind of statement while the migration runs."""

    KINDS = (
        ("keys backfill", "INSERT INTO checkin_keys"),
        ("copy rows", "INSERT INTO checkins_new"),
        ("indexes", "CREATE INDEX"),
        ("primary key", "ADD CONSTRAINT pk_"),
        ("foreign keys", "FOREIGN KEY"),
        ("drop old table", "DROP TABLE checkins"),
    )

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.seconds, self.started = engine, defaultdict(float), {}
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self.started[id(cursor)] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        spent = time.perf_counter() - self.started.pop(id(cursor), time.perf_counter())
        kind = next((k for k, mark in self.KINDS if mark in statement), "other")
        self.seconds[kind] += spent

    def stop(self) -> dict[str, float]:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)
        return dict(self.seconds)


def unbounded_ms(office_id: int, runs: int = 15) -> dict[str, float]:
    """Median milliseconds of the check-in queries without a lower time bound."""
    import statistics

    from patrol.extensions import db
    from patrol.services import checkins, occupancy

    queries = {
        "inside now, one office": lambda: checkins.inside_now(office_id),
        "occupancy, all offices": lambda: occupancy.occupancy(),
        "close-offices": lambda: checkins.close_offices(),
    }
    medians = {}
    for name, query in queries.items():
        spent = []
        for _ in range(runs):
            started = time.perf_counter()
            query()
            spent.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        medians[name] = statistics.median(spent)
    return medians


def main() -> int:
    base = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgres"):
        print("partition-test needs DATABASE_URL (or TEST_DATABASE_URL) of a PostgreSQL server")
        return 2
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    url = fresh_postgres(base, "partition")
    try:
        return run(url, scale)
    except Failed:
        return 1
    finally:
        drop_postgres(url)


def run(url: str, scale: float) -> int:
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from patrol import create_app
    from patrol.demo.seed_load import seed_load
    from patrol.extensions import db
    from patrol.models import CheckIn, CheckinKey, Office
    from patrol.rules.timeutil import utcnow, wib_today
    from patrol.services import checkins, exports, partitions, reports

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
            "RATELIMIT_ENABLED": False,
        }
    )
    figures: dict[str, float | int] = {"scale": scale}
    with app.app_context():
        upgrade(revision="0011")
        started = time.perf_counter()
        counts = seed_load(scale=scale, at_0011=True).counts
        db.session.commit()
        figures["seed_s"] = time.perf_counter() - started
        figures["checkins"] = counts["checkins"]
        before = db.session.execute(sa.text(MONTHS)).all()
        sample = db.session.execute(
            sa.text("SELECT id, uuid FROM checkins ORDER BY id OFFSET :n LIMIT 1"),
            {"n": counts["checkins"] // 2},
        ).one()
        print(f"seeded {counts} in {figures['seed_s']:.1f} s; {len(before)} months", flush=True)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        some_office = db.session.scalar(sa.select(CheckIn.office_id).limit(1))
        plain_ms = unbounded_ms(some_office)
        db.session.remove()

        clock = StatementClock(db.engine)
        started = time.perf_counter()
        upgrade(revision="0012")
        figures["upgrade_s"] = time.perf_counter() - started
        steps = clock.stop()
        print(f"upgrade to 0012: {figures['upgrade_s']:.1f} s", flush=True)
        for kind, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
            print(f"      {kind}: {seconds:.1f} s")
        figures |= {f"upgrade_{k.replace(' ', '_')}_s": v for k, v in steps.items()}

        check(partitions.is_partitioned(), "checkins is a partitioned table")
        after = db.session.execute(sa.text(MONTHS)).all()
        check(
            [tuple(r) for r in after] == [tuple(r) for r in before],
            f"same rows per month, ids and every column included ({sum(r[1] for r in after)})",
        )
        where = dict(
            db.session.execute(
                sa.text("SELECT tableoid::regclass::text, count(*) FROM checkins GROUP BY 1")
            ).all()
        )
        expected = {f"checkins_{month}": n for month, n, _ in before}
        check(where == expected, f"each month in its own partition ({len(where)} with data)")
        names = partitions.partitions()
        figures["partitions"] = len(names)
        current = partitions.month_of(utcnow())
        ahead = {partitions.partition_name(partitions.add_months(current, n)) for n in range(4)}
        check(ahead <= set(names), "partitions made up to three months ahead")
        check(partitions.default_rows() == 0, "the default partition is empty")
        keys = db.session.execute(
            sa.text(
                "SELECT count(*), count(c.id) FROM checkin_keys k LEFT JOIN checkins c "
                "ON c.id = k.checkin_id AND c.checked_in_at = k.checked_in_at "
                "AND c.uuid = k.uuid AND c.checkout_secret = k.checkout_secret"
            )
        ).one()
        check(
            tuple(keys) == (counts["checkins"], counts["checkins"]),
            "one key per check-in, each pointing at its row",
        )

        # The app's code expects the newest schema: the migrations after 0012 (the open
        # check-ins index, the hourly summary) run before the service is used.
        upgrade(revision="head")

        # The service on the partitioned table: a retry, then a new check-in.
        office = db.session.get(Office, db.session.scalar(sa.select(CheckIn.office_id)))
        visitor = checkins.VisitorDetails("Uji Partisi", "081234567890", "Rapat", False, 3)
        retry = checkins.check_in(office, None, sample.uuid, visitor)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn))
        check(
            retry.id == sample.id and total == counts["checkins"],
            "a retried check-in returns the seeded row and adds none",
        )
        new = checkins.check_in(office, None, str(uuid.uuid4()), visitor)
        home = db.session.scalar(
            sa.text("SELECT tableoid::regclass::text FROM checkins WHERE id = :id"), {"id": new.id}
        )
        check(home == partitions.partition_name(current), f"a new check-in lands in {home}")
        db.session.rollback()
        db.session.execute(sa.text("ANALYZE checkins"))
        db.session.execute(sa.text("ANALYZE checkin_keys"))
        db.session.commit()
        for name, ms in unbounded_ms(some_office).items():
            print(f"      {name}: {plain_ms[name]:.1f} ms plain, {ms:.1f} ms partitioned")
            figures[f"{name} plain ms"], figures[f"{name} partitioned ms"] = plain_ms[name], ms

        # The office-visits export for a week (the report itself reads the hourly summary):
        # which partitions do its statements over check-ins read?
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if "FROM checkins" in statement and statement.lstrip().startswith("SELECT"):
                statements.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", record)
        end = wib_today() - timedelta(days=40)
        week = reports.Filters(end - timedelta(days=6), end)
        _header, rows = exports.checkins_table(week)
        for _row in rows:
            pass
        sa.event.remove(db.engine, "before_cursor_execute", record)
        months = {partitions.month_of(week.since), partitions.month_of(week.until)}
        wanted = {partitions.partition_name(m) for m in months}
        with db.engine.connect() as conn:
            read = set()
            for statement, parameters in statements:
                read |= {
                    n["Relation Name"]
                    for n in explain(conn, statement, parameters)
                    if n.get("Relation Name", "").startswith("checkins")
                }
            check(
                bool(statements) and read == wanted,
                f"export for {week.start}..{week.end} reads {sorted(read)} of {len(names)}",
            )
            # The statement of checkins._by_uuid (and, by secret, of the pass look-ups).
            statement = sa.select(CheckIn).join(CheckinKey, checkins._KEYED)
            statement = statement.where(CheckinKey.uuid == sample.uuid)
            compiled = statement.compile(conn)
            nodes = explain(conn, str(compiled), compiled.params, analyze=True)
            ran = [
                n["Relation Name"]
                for n in nodes
                if n.get("Relation Name", "").startswith("checkins_") and n.get("Actual Loops")
            ]
            kinds = {n["Node Type"] for n in nodes if n.get("Relation Name") in ran}
            check(
                len(ran) == 1 and kinds <= {"Index Scan", "Index Only Scan"},
                f"look-up by UUID: an index scan of one partition ({ran})",
            )
        db.session.remove()

        started = time.perf_counter()
        downgrade(revision="0011")
        figures["downgrade_s"] = time.perf_counter() - started
        print(f"downgrade to 0011: {figures['downgrade_s']:.1f} s", flush=True)
        check(not partitions.is_partitioned(), "checkins is a plain table again")
        restored = db.session.execute(sa.text(MONTHS)).all()
        check(
            [tuple(r) for r in restored] == [tuple(r) for r in before],
            "same rows per month after the downgrade",
        )
        unique = set(
            db.session.scalars(
                sa.text(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'checkins'::regclass "
                    "AND contype IN ('u', 'p')"
                )
            )
        )
        check(
            unique == {"pk_checkins", "uq_checkins_uuid", "uq_checkins_checkout_secret"},
            "primary key (id) and the two unique constraints are back",
        )
        left = db.session.scalar(sa.text("SELECT to_regclass('checkin_keys') IS NULL"))
        check(left, "checkin_keys is gone")
        db.session.remove()
        db.engine.dispose()
    print("figures: " + json.dumps({k: round(v, 2) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
