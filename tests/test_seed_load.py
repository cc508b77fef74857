"""seed-load: bulk volumes in the right proportions, and reports that add up over them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import (
    Assignment,
    CheckIn,
    CheckpointScan,
    CrowdCount,
    PatrolRound,
    User,
    Violation,
    Visit,
    Zone,
)
from patrol.rules.timeutil import wib_today
from patrol.services import reports


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_seed_load_scales_a_year_down(runner):
    result = runner.invoke(args=["seed-load", "--scale", "0.001", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert (count(CheckIn), count(Violation), count(CrowdCount), count(Assignment)) == (
        1000,
        100,
        200,
        8,
    )
    assert count(Visit) > 0
    assert "1000 checkins" in result.output
    # Every park has a round, and officers scan its checkpoints during their visits.
    assert count(PatrolRound) == db.session.scalar(
        sa.select(sa.func.count(Zone.id)).where(Zone.active)
    )
    assert count(CheckpointScan) > 2 * count(Visit)
    # No personal data of the public in load data.
    assert (
        db.session.scalar(
            sa.select(sa.func.count(CheckIn.id)).where(CheckIn.visitor_name.is_not(None))
        )
        == 0
    )


def test_reports_over_load_data_add_up(runner):
    runner.invoke(args=["seed-load", "--scale", "0.001", "--days", "30"])
    end = wib_today()
    f = reports.Filters(end - timedelta(days=29), end)
    violations = reports.violations_report(f)
    assert violations["total"] == 100
    assert sum(row.n for row in violations["by_day"]) == 100
    assert violations["fines"] == db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Violation.fine_amount), 0))
    )
    admitted = db.session.scalar(
        sa.select(sa.func.count(CheckIn.id)).where(CheckIn.status == "admitted")
    )
    assert reports.checkins_report(f)["total"] == admitted
    assert sum(r["n"] for r in reports.crowd_report(f, 50, 100)) == 200
    coverage = reports.coverage_report(f)
    assert sum(r["shifts"] for r in coverage) == 8
    assert sum(r["visits"] for r in coverage) == count(Visit)


def test_seed_load_twice_reuses_places_and_officers(runner):
    runner.invoke(args=["seed-load", "--scale", "0.0005", "--days", "10"])
    runner.invoke(args=["seed-load", "--scale", "0.0005", "--days", "10", "--seed", "7"])
    assert count(CheckIn) == 1000
    officers = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.username.like("load-officer-%"))
    )
    assert officers == 24


def test_seed_load_refuses_a_silly_scale(runner):
    result = runner.invoke(args=["seed-load", "--scale", "0"])
    assert result.exit_code != 0
    assert "--scale" in result.output


def test_seed_load_writes_nothing_later_than_now(runner):
    from datetime import datetime, timezone

    result = runner.invoke(args=["seed-load", "--scale", "0.002", "--days", "3"])
    assert result.exit_code == 0, result.output
    now = datetime.now(timezone.utc)
    latest = {
        "shift start": sa.func.max(Assignment.starts_at),
        "visit start": sa.func.max(Visit.started_at),
        "visit end": sa.func.max(Visit.ended_at),
        "violation": sa.func.max(Violation.recorded_at),
        "crowd count": sa.func.max(CrowdCount.recorded_at),
        "check-in": sa.func.max(CheckIn.checked_in_at),
        "check-out": sa.func.max(CheckIn.checked_out_at),
    }
    for what, column in latest.items():
        value = db.session.scalar(sa.select(column))
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            assert value <= now, what
    assert count(CheckIn) == 2000 and count(Violation) == 200
