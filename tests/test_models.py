"""The database keeps its own rules: UTC times, unique UUIDs, checked counts."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Assignment, CrowdCount, Visit


def test_times_come_back_timezone_aware_utc(create_user, create_zone, create_visit):
    visit = create_visit(create_user("officer"), create_zone())
    db.session.expire_all()
    loaded = db.session.get(Visit, visit.id)
    assert loaded.started_at.tzinfo is not None
    assert loaded.started_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(create_user, create_zone):
    officer, zone = create_user("officer"), create_zone()
    db.session.add(
        Visit(
            uuid=str(uuid.uuid4()),
            officer_id=officer.id,
            zone_id=zone.id,
            started_at=datetime(2026, 1, 1),
        )
    )
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def test_client_uuid_is_unique(create_user, create_zone, create_visit):
    officer, zone = create_user("officer"), create_zone()
    visit = create_visit(officer, zone)
    with pytest.raises(sa.exc.IntegrityError):
        create_visit(officer, zone, uuid=visit.uuid)
    db.session.rollback()


@pytest.mark.parametrize("headcount", [-1, 10001])
def test_crowd_count_range_is_checked_by_the_database(
    create_user, create_zone, create_visit, headcount
):
    zone = create_zone()
    visit = create_visit(create_user("officer"), zone)
    db.session.add(
        CrowdCount(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            zone_id=zone.id,
            recorded_at=datetime.now(timezone.utc),
            headcount=headcount,
            level="quiet",
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_shift_must_end_after_it_starts(create_user, create_zone):
    now = datetime.now(timezone.utc)
    db.session.add(
        Assignment(
            officer_id=create_user("officer").id,
            zone_id=create_zone().id,
            starts_at=now,
            ends_at=now - timedelta(hours=1),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_foreign_keys_are_enforced(create_zone):
    db.session.add(
        Visit(
            uuid=str(uuid.uuid4()),
            officer_id=424242,
            zone_id=create_zone().id,
            started_at=datetime.now(timezone.utc),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
