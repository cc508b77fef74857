"""Visits: start with GPS and the server's verdict, end, and closing by the system."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import Visit
from patrol.services import visits
from tests.fixtures_field import INSIDE, OUTSIDE


@pytest.fixture
def on_shift(client, create_user, create_zone, create_assignment, login):
    officer = create_user("officer")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    shift = create_assignment(officer, zone)
    login(client, officer)
    return officer, zone, shift


def start(client, zone, **fields):
    data = {"zone_id": zone.id, "uuid": str(uuid.uuid4())} | fields
    return client.post("/patroli/kunjungan", data=data)


def only_visit() -> Visit:
    return db.session.scalars(sa.select(Visit)).one()


def test_home_offers_to_start_a_visit_in_the_shift_zone(client, on_shift):
    text = client.get("/patroli/").get_data(as_text=True)
    assert "Mulai kunjungan</button>" in text and "Alun-Alun Tugu" in text
    assert 'name="uuid"' in text  # a server-made UUID for browsers without crypto.randomUUID


def test_start_inside_the_zone_stores_the_inside_verdict(client, on_shift):
    officer, zone, shift = on_shift
    response = start(client, zone, **INSIDE)
    assert response.status_code == 303
    visit = only_visit()
    assert response.headers["Location"].endswith(f"/patroli/kunjungan/{visit.uuid}")
    assert (visit.start_geofence, visit.start_distance_m) == ("inside", 0.0)
    assert visit.start_accuracy_m == 10
    assert visit.assignment_id == shift.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Di dalam zona" in page
    assert "akurasi ±10 m" in page


def test_start_outside_the_zone_stores_outside_and_distance(client, on_shift):
    _officer, zone, _shift = on_shift
    start(client, zone, **OUTSIDE)
    visit = only_visit()
    assert visit.start_geofence == "outside"
    assert 850 < visit.start_distance_m < 950
    assert "Di luar zona" in client.get(f"/patroli/kunjungan/{visit.uuid}").get_data(as_text=True)


@pytest.mark.parametrize("reason", ["denied", "timeout", "unavailable"])
def test_gps_denied_or_unavailable_still_starts_the_visit(client, on_shift, reason):
    _officer, zone, _shift = on_shift
    assert start(client, zone, gps_error=reason).status_code == 303
    visit = only_visit()
    assert (visit.start_geofence, visit.start_gps_note, visit.start_lat) == ("no_gps", reason, None)


def test_zero_accuracy_is_flagged_suspicious(client, on_shift):
    _officer, zone, _shift = on_shift
    start(client, zone, lat=INSIDE["lat"], lon=INSIDE["lon"], accuracy="0")
    visit = only_visit()
    assert visit.start_gps_note == "suspicious"
    page = client.get(f"/patroli/kunjungan/{visit.uuid}").get_data(as_text=True)
    assert "mencurigakan" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lat": "-91", "lon": "112.6", "accuracy": "5"}, "Lintang harus antara -90 dan 90."),
        ({"lat": "-7.9", "lon": "181", "accuracy": "5"}, "Bujur harus antara -180 dan 180."),
        ({"lat": "abc", "lon": "112.6", "accuracy": "5"}, "Lintang harus berupa angka."),
        ({"lat": "-7.9", "lon": "112.6", "accuracy": "-3"}, "Akurasi GPS tidak boleh negatif."),
        ({"zone_id": "999999"}, "Zona tidak dikenal atau tidak aktif."),
        ({"uuid": "not-a-uuid"}, "Kode entri (UUID) tidak sah."),
    ],
)
def test_bad_start_input_is_refused_in_place(client, on_shift, fields, message):
    _officer, zone, _shift = on_shift
    response = start(client, zone, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_same_uuid_twice_gives_one_visit(client, on_shift):
    _officer, zone, _shift = on_shift
    key = str(uuid.uuid4())
    first = start(client, zone, uuid=key, **INSIDE)
    second = start(client, zone, uuid=key, **INSIDE)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_a_second_open_visit_is_refused(client, on_shift):
    _officer, zone, _shift = on_shift
    start(client, zone, **INSIDE)
    response = start(client, zone, **INSIDE)
    assert response.status_code == 422
    assert "masih berjalan" in response.get_data(as_text=True)
    home = client.get("/patroli/").get_data(as_text=True)
    assert "Lanjutkan kunjungan" in home


def test_end_visit_takes_gps_and_marks_closed_by_officer(field_setup):
    response = field_setup.client.post(
        field_setup.visit_url + "/selesai", data={"uuid": str(uuid.uuid4())} | OUTSIDE
    )
    assert response.status_code == 303
    db.session.refresh(field_setup.visit)
    visit = field_setup.visit
    assert visit.ended_at is not None and visit.closed_by == "officer"
    assert visit.end_geofence == "outside"
    assert "selesai" in field_setup.client.get("/patroli/").get_data(as_text=True)


def test_ending_a_closed_visit_is_refused(field_setup):
    url = field_setup.visit_url + "/selesai"
    field_setup.client.post(url, data={"uuid": str(uuid.uuid4())} | INSIDE)
    response = field_setup.client.post(url, data={"uuid": str(uuid.uuid4())} | INSIDE)
    assert response.status_code == 422
    assert "Kunjungan ini sudah selesai." in response.get_data(as_text=True)


def test_ending_again_with_the_same_uuid_changes_nothing(field_setup):
    data = {"uuid": str(uuid.uuid4())} | INSIDE
    url = field_setup.visit_url + "/selesai"
    assert field_setup.client.post(url, data=data).status_code == 303
    assert field_setup.client.post(url, data=data).status_code == 303


def test_another_officers_visit_is_refused(client, field_setup, create_user, login):
    other = create_user("officer")
    client.post("/logout")
    login(client, other)
    assert client.get(field_setup.visit_url).status_code == 403
    response = field_setup.post_violation()
    assert response.status_code == 403
    assert client.post(field_setup.visit_url + "/selesai", data=INSIDE).status_code == 403


def test_unknown_visit_is_not_found(field_setup):
    assert field_setup.client.get("/patroli/kunjungan/" + str(uuid.uuid4())).status_code == 404


def test_visit_left_open_is_closed_by_the_system_at_shift_end(
    client, create_user, create_zone, create_assignment, create_visit, login
):
    officer = create_user("officer")
    zone = create_zone()
    start_at = datetime.now(timezone.utc) - timedelta(hours=10)
    shift = create_assignment(officer, zone, starts_at=start_at, hours=8)
    visit = create_visit(officer, zone, assignment_id=shift.id, started_at=start_at)
    login(client, officer)
    # Opening the officer's home closes it lazily.
    home = client.get("/patroli/").get_data(as_text=True)
    assert ">Lanjutkan kunjungan</a>" not in home
    assert "ditutup sistem di akhir shift" in home
    db.session.refresh(visit)
    assert visit.closed_by == "system"
    assert visit.ended_at == shift.ends_at


def test_home_closes_yesterdays_open_visit_and_offers_todays(
    client, create_user, create_zone, create_assignment, create_visit, login
):
    officer = create_user("officer")
    zone = create_zone()
    now = datetime.now(timezone.utc)
    old_shift = create_assignment(officer, zone, starts_at=now - timedelta(hours=20), hours=8)
    old = create_visit(officer, zone, assignment_id=old_shift.id, started_at=old_shift.starts_at)
    shift = create_assignment(officer, zone, starts_at=now - timedelta(hours=1), hours=8)
    current = create_visit(officer, zone, assignment_id=shift.id, started_at=now)
    login(client, officer)
    home = client.get("/patroli/").get_data(as_text=True)
    assert "ditutup sistem di akhir shift" in home
    assert "Lanjutkan kunjungan" in home and current.uuid in home
    db.session.refresh(old)
    db.session.refresh(current)
    assert (old.closed_by, old.ended_at) == ("system", old_shift.ends_at)
    assert current.ended_at is None


def test_visit_within_its_shift_stays_open(field_setup):
    assert visits.close_overdue_visits() == 0
    assert "Lanjutkan kunjungan" in field_setup.client.get("/patroli/").get_data(as_text=True)


def test_visit_without_shift_closes_after_the_maximum_span(app, create_user, create_zone):
    officer, zone = create_user("officer"), create_zone()
    visit = visits.start_visit(officer.id, zone.id, None, GpsFix.missing("denied"))
    db.session.commit()
    assert visit.assignment_id is None
    assert visits.close_overdue_visits(visit.started_at + timedelta(hours=11)) == 0
    assert visits.close_overdue_visits(visit.started_at + timedelta(hours=13)) == 1
    assert visit.ended_at == visit.started_at + timedelta(hours=12)


def test_close_visits_command(runner, create_user, create_zone, create_assignment, create_visit):
    officer, zone = create_user("officer"), create_zone()
    start_at = datetime.now(timezone.utc) - timedelta(hours=9)
    shift = create_assignment(officer, zone, starts_at=start_at, hours=8)
    create_visit(officer, zone, assignment_id=shift.id, started_at=start_at)
    result = runner.invoke(args=["close-visits"])
    assert result.exit_code == 0, result.output
    assert "visits closed: 1" in result.output
    assert only_visit().closed_by == "system"
