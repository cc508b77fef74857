"""Back-dated entries: a visit sent long after its shift ended does not keep the shift, and
an entry that arrived long after it was recorded is marked in reports and on its record."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Violation, ViolationAction, ViolationCategory
from patrol.rules.timeutil import utcnow, wib_today
from patrol.services import dashboard
from patrol.services import reports as report_queries

UTC = timezone.utc
GRACE = timedelta(minutes=120)


# Coverage report and dashboard ----------------------------------------------------------------


@pytest.fixture
def past_shift(create_user, create_zone, create_assignment):
    """An officer's shift two days ago, 08:00 to 16:00 WIB."""
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone()
    day = wib_today() - timedelta(days=2)
    starts = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
    shift = create_assignment(officer, zone, starts_at=starts, hours=8)
    return shift


def coverage(day: date) -> dict:
    (row,) = report_queries.coverage_report(report_queries.Filters(day, day))
    return row


def test_a_visit_synced_days_later_does_not_keep_the_past_shift(past_shift, create_visit):
    create_visit(
        past_shift.officer,
        past_shift.zone,
        started_at=past_shift.starts_at + timedelta(hours=1),
        start_geofence="inside",
        created_at=utcnow(),  # arrived today, two days after the shift
    )
    row = coverage(wib_today(past_shift.starts_at))
    assert (row["shifts"], row["kept"], row["missed"]) == (1, 0, 1)
    assert row["visits"] == 1 and row["late_visits"] == 1


def test_a_visit_sent_within_the_grace_keeps_the_shift(past_shift, create_visit):
    create_visit(
        past_shift.officer,
        past_shift.zone,
        started_at=past_shift.starts_at + timedelta(hours=1),
        start_geofence="inside",
        created_at=past_shift.ends_at + timedelta(minutes=90),
    )
    row = coverage(wib_today(past_shift.starts_at))
    assert (row["kept"], row["missed"], row["late_visits"]) == (1, 0, 0)


def test_the_grace_is_configurable(app, past_shift, create_visit):
    app.config["SHIFT_SYNC_GRACE_MINUTES"] = 30
    create_visit(
        past_shift.officer,
        past_shift.zone,
        started_at=past_shift.starts_at + timedelta(hours=1),
        start_geofence="inside",
        created_at=past_shift.ends_at + timedelta(minutes=90),
    )
    assert coverage(wib_today(past_shift.starts_at))["kept"] == 0


def test_the_dashboard_counts_a_shift_kept_only_by_a_late_visit_as_missed(
    create_user, create_zone, create_assignment, create_visit
):
    now = datetime(2026, 11, 30, 10, tzinfo=UTC)  # 17:00 WIB
    officer = create_user("officer", full_name="Sari Dewi")
    zone = create_zone()
    shift = create_assignment(
        officer, zone, starts_at=datetime(2026, 11, 30, 1, tzinfo=UTC), hours=4
    )
    visit = create_visit(
        officer,
        zone,
        started_at=shift.starts_at + timedelta(hours=1),
        start_geofence="inside",
        created_at=shift.ends_at + timedelta(hours=4),
    )
    missed = dashboard.alerts(now, 3)["missed"]
    assert [row.full_name for row in missed] == ["Sari Dewi"]
    visit.created_at = shift.ends_at + timedelta(minutes=30)
    db.session.commit()
    assert dashboard.alerts(now, 3)["missed"] == []


# Late entries marked in reports and on the record --------------------------------------------


def add_violation(visit, recorded_at, created_at) -> Violation:
    category = db.session.scalars(sa.select(ViolationCategory).limit(1)).one()
    action = db.session.scalars(
        sa.select(ViolationAction).where(ViolationAction.requires_amount.is_(False)).limit(1)
    ).one()
    violation = Violation(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        recorded_at=recorded_at,
        created_at=created_at,
        category_id=category.id,
        action_id=action.id,
        people_count=1,
    )
    db.session.add(violation)
    db.session.commit()
    return violation


def test_a_late_entry_is_marked_on_its_printable_record(field_setup):
    now = utcnow()
    late = add_violation(field_setup.visit, now - timedelta(hours=30), now)
    timely = add_violation(field_setup.visit, now - timedelta(hours=2), now)
    page = field_setup.client.get(f"/patroli/pelanggaran/{late.id}/cetak")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Diterima server" in text and "30 jam setelah waktu yang dicatat" in text
    other = field_setup.client.get(f"/patroli/pelanggaran/{timely.id}/cetak")
    assert "data-late" not in other.get_data(as_text=True)


def test_late_entries_are_counted_and_marked_in_the_reports(app, field_setup, create_user, login):
    now = utcnow()
    add_violation(field_setup.visit, now - timedelta(hours=30), now)
    add_violation(field_setup.visit, now - timedelta(hours=1), now)
    admin = app.test_client()
    login(admin, create_user("admin"))
    start = (wib_today() - timedelta(days=3)).isoformat()
    report = admin.get(f"/admin/laporan/pelanggaran?start={start}").get_data(as_text=True)
    assert 'data-figure="total">2<' in report
    assert 'data-figure="late">1<' in report
    assert "dikirim lebih dari 12 jam setelah dicatat" in report
    review = admin.get(f"/admin/laporan/tinjauan?start={start}").get_data(as_text=True)
    assert review.count("data-late") == 1
    assert "terlambat dikirim" in review


def test_the_late_threshold_is_configurable(app, field_setup):
    app.config["LATE_ENTRY_HOURS"] = 1
    now = utcnow()
    entry = add_violation(field_setup.visit, now - timedelta(hours=2), now)
    text = field_setup.client.get(f"/patroli/pelanggaran/{entry.id}/cetak").get_data(as_text=True)
    assert "2 jam setelah waktu yang dicatat" in text
