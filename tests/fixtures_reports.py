"""Test fixtures for the reports area (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import (
    CheckIn,
    CrowdCount,
    Office,
    SosAlert,
    User,
    Violation,
    ViolationAction,
    ViolationCategory,
    Visit,
)
from patrol.services.checkins import record_key
from patrol.services.occupancy_hours import rebuild_checkin_hours

_codes = itertools.count(1000)


def _id_by_code(model, code: str) -> int:
    return db.session.scalar(sa.select(model.id).where(model.code == code))


@pytest.fixture
def create_violation(app):
    """Factory: a violation within a visit (category and action by code)."""

    def _create(
        visit: Visit,
        category="no_mask",
        action="verbal_warning",
        recorded_at=None,
        people_count=1,
        **fields,
    ) -> Violation:
        violation = Violation(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            recorded_at=recorded_at or visit.started_at + timedelta(minutes=5),
            category_id=_id_by_code(ViolationCategory, category),
            action_id=_id_by_code(ViolationAction, action),
            people_count=people_count,
            **fields,
        )
        db.session.add(violation)
        db.session.commit()
        return violation

    return _create


@pytest.fixture
def create_crowd_count(app):
    """Factory: a headcount within a visit (the zone copied from the visit)."""

    def _create(visit: Visit, headcount: int, recorded_at=None, **fields) -> CrowdCount:
        count = CrowdCount(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            zone_id=visit.zone_id,
            recorded_at=recorded_at or visit.started_at + timedelta(minutes=5),
            headcount=headcount,
            level=fields.pop("level", "quiet"),
            **fields,
        )
        db.session.add(count)
        db.session.commit()
        return count

    return _create


@pytest.fixture
def create_timed_checkin(app):
    """Factory: a visitor's check-in at an office, optionally checked out after ``minutes``."""

    def _create(office: Office, checked_in_at: datetime, minutes: int | None = None, **fields):
        checkin = CheckIn(
            uuid=str(uuid.uuid4()),
            office_id=office.id,
            entrance_id=office.entrances[0].id if office.entrances else None,
            visitor_name=fields.pop("visitor_name", "Siti Pengunjung"),
            visitor_phone=fields.pop("visitor_phone", "081234567890"),
            purpose=fields.pop("purpose", "Mengurus surat"),
            checked_in_at=checked_in_at,
            checked_out_at=checked_in_at + timedelta(minutes=minutes) if minutes else None,
            checkout_by="self" if minutes else None,
            short_code=f"K{next(_codes)}",
            **fields,
        )
        db.session.add(checkin)
        db.session.flush()
        record_key(checkin)

        # Added behind the check-in service's back (times in any order), so the hourly
        # summary is recomputed from the rows, as seed-load does.
        rebuild_checkin_hours()
        db.session.commit()
        return checkin

    return _create


@pytest.fixture
def create_sos(app):
    """Factory: an open SOS alert from an officer, raised now."""

    def _create(officer: User, **fields) -> SosAlert:
        alert = SosAlert(
            uuid=fields.pop("uuid", str(uuid.uuid4())),
            officer_id=officer.id,
            raised_at=fields.pop("raised_at", datetime.now(timezone.utc)),
            lat=fields.pop("lat", -7.97705),
            lon=fields.pop("lon", 112.63404),
            accuracy_m=fields.pop("accuracy_m", 12.0),
            **fields,
        )
        db.session.add(alert)
        db.session.commit()
        return alert

    return _create


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def _count():
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count
