"""The field services called with plain values, as the offline sync API will call them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.field import GpsFix
from patrol.rules.timeutil import utcnow
from patrol.services import entries, visits
from patrol.services.errors import ValidationError

TUGU = GpsFix(lat=-7.97705, lon=112.63404, accuracy_m=8.0)


@pytest.fixture
def officer_zone(create_user, create_zone, create_assignment):
    officer = create_user("officer")
    zone = create_zone(capacity=100)
    create_assignment(officer, zone)
    return officer, zone


def test_an_offline_day_is_replayed_with_client_times(officer_zone):
    officer, zone = officer_zone
    now = utcnow()
    start_at, seen_at, end_at = (
        now - timedelta(minutes=50),
        now - timedelta(minutes=40),
        now - timedelta(minutes=5),
    )
    visit = visits.start_visit(officer.id, zone.id, str(uuid.uuid4()), TUGU, started_at=start_at)
    visits.end_visit(officer.id, visit.uuid, TUGU, end_uuid=str(uuid.uuid4()), ended_at=end_at)
    # Entries made during the visit arrive after it ended: still accepted.
    violation, created = entries.log_violation(
        officer.id,
        visit.uuid,
        str(uuid.uuid4()),
        "crowding",
        "dispersal",
        people_count=12,
        gps=TUGU,
        recorded_at=seen_at,
    )
    count, _ = entries.log_crowd_count(
        officer.id, visit.uuid, str(uuid.uuid4()), 140, gps=TUGU, recorded_at=seen_at
    )
    db.session.commit()
    assert created and violation.recorded_at == seen_at and violation.geofence == "inside"
    assert (count.level, count.recorded_at) == ("over", seen_at)
    assert (visit.started_at, visit.ended_at, visit.closed_by) == (start_at, end_at, "officer")


def test_an_entry_recorded_after_the_visit_ended_is_refused(officer_zone):
    officer, zone = officer_zone
    visit = visits.start_visit(
        officer.id, zone.id, None, TUGU, started_at=utcnow() - timedelta(hours=1)
    )
    visits.end_visit(officer.id, visit.uuid, TUGU, ended_at=utcnow() - timedelta(minutes=30))
    with pytest.raises(ValidationError, match="sudah selesai"):
        entries.log_crowd_count(officer.id, visit.uuid, None, 5, recorded_at=utcnow())


def test_a_time_in_the_future_is_refused(officer_zone):
    officer, zone = officer_zone
    with pytest.raises(ValidationError) as error:
        visits.start_visit(
            officer.id, zone.id, None, TUGU, started_at=utcnow() + timedelta(hours=1)
        )
    assert error.value.field == "recorded_at"


def test_another_officers_visit_is_refused_by_the_service(officer_zone, create_user):
    officer, zone = officer_zone
    visit = visits.start_visit(officer.id, zone.id, None, TUGU)
    intruder = create_user("officer")
    with pytest.raises(ValidationError, match="petugas lain"):
        entries.log_violation(intruder.id, visit.uuid, None, "no_mask", "verbal_warning")
    with pytest.raises(ValidationError, match="petugas lain"):
        visits.end_visit(intruder.id, visit.uuid, TUGU)


def test_a_uuid_of_another_officers_record_is_not_returned(officer_zone, create_user):
    officer, zone = officer_zone
    visit = visits.start_visit(officer.id, zone.id, None, TUGU)
    entry, _ = entries.log_crowd_count(officer.id, visit.uuid, None, 5)
    other = create_user("officer")
    with pytest.raises(ValidationError):
        entries.log_crowd_count(other.id, visit.uuid, entry.uuid, 5)


@pytest.mark.parametrize(
    ("args", "field_name"),
    [
        ({"lat": "-7.9", "lon": None}, None),
        ({"lat": float("nan"), "lon": 112.6}, "lat"),
        ({"lat": -7.9, "lon": float("inf")}, "lon"),
        ({"lat": True, "lon": 112.6}, "lat"),
    ],
)
def test_parse_gps_edge_cases(args, field_name):
    if field_name is None:
        assert parse(GpsFix, args).error == "unavailable"
    else:
        with pytest.raises(ValidationError) as error:
            parse(GpsFix, args)
        assert error.value.field == field_name


def test_unknown_gps_error_is_recorded_as_unavailable():
    assert parse(GpsFix, {"gps_error": "<script>"}).error == "unavailable"
