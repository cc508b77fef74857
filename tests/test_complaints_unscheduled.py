"""Unscheduled visits (di luar jadwal): an officer without a shift there starts a visit in
any active zone, and the timeline, the dashboard and the coverage report say so."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import Visit
from patrol.rules.timeutil import utcnow, wib_today
from patrol.services import reports, visits
from tests.fixtures_field import INSIDE


def start(client, zone, **fields):
    data = {"zone_id": zone.id, "uuid": str(uuid.uuid4())} | INSIDE | fields
    return client.post("/patroli/kunjungan", data=data)


def only_visit() -> Visit:
    return db.session.scalars(sa.select(Visit)).one()


def test_officer_without_a_shift_is_offered_any_active_zone(
    client, create_user, create_zone, login
):
    officer = create_user("officer")
    create_zone(name="Taman Merbabu")
    create_zone(name="Taman Tutup", active=False)
    login(client, officer)
    page = client.get("/patroli/").get_data(as_text=True)
    assert "Mulai kunjungan di luar jadwal" in page
    assert ">Taman Merbabu</option>" in page
    assert "Taman Tutup" not in page


def test_officer_without_a_shift_starts_an_unscheduled_visit(
    client, create_user, create_zone, login
):
    officer = create_user("officer")
    zone = create_zone(name="Taman Merbabu")
    login(client, officer)
    response = start(client, zone)
    assert response.status_code == 303
    visit = only_visit()
    assert visit.unscheduled is True and visit.assignment_id is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "di luar jadwal" in page


def test_visit_in_the_shift_zone_is_scheduled_and_elsewhere_is_not(
    client, create_user, create_zone, create_assignment, login
):
    officer = create_user("officer")
    home_zone = create_zone(name="Alun-Alun Tugu")
    other = create_zone(name="Taman Merbabu")
    create_assignment(officer, home_zone)
    login(client, officer)
    start(client, home_zone)
    visit = only_visit()
    assert visit.unscheduled is False
    page = client.get(f"/patroli/kunjungan/{visit.uuid}").get_data(as_text=True)
    assert "di luar jadwal" not in page
    visits.end_visit(officer.id, visit.uuid, GpsFix.missing("denied"))
    db.session.commit()
    start(client, other)
    second = db.session.scalars(sa.select(Visit).where(Visit.zone_id == other.id)).one()
    assert second.unscheduled is True


def test_an_unknown_or_inactive_zone_is_refused_in_bahasa(client, create_user, create_zone, login):
    officer = create_user("officer")
    closed = create_zone(name="Taman Tutup", active=False)
    login(client, officer)
    response = start(client, closed)
    assert response.status_code == 422
    assert "Zona tidak dikenal atau tidak aktif." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_dashboard_and_coverage_report_count_unscheduled_visits(
    admin_client, create_user, create_zone
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone()
    visits.start_visit(officer.id, zone.id, None, GpsFix.missing("denied"))
    db.session.commit()
    page = admin_client.get("/admin/dasbor").get_data(as_text=True)
    assert 'data-figure="unscheduled">1 di luar jadwal<' in page
    today = wib_today(utcnow())
    rows = reports.coverage_report(reports.Filters(today, today))
    assert rows[0]["visits"] == 1 and rows[0]["unscheduled"] == 1
    export = admin_client.get(
        "/admin/laporan/cakupan.csv",
        query_string={"start": today.isoformat(), "end": today.isoformat()},
        buffered=True,
    )
    assert export.get_data(as_text=True).splitlines()[1].startswith("Budi Santoso,0,0,0,1,1,")


def test_dashboard_shows_an_unscheduled_officer_in_the_field(
    admin_client, create_user, create_zone
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Taman Merbabu")
    visits.start_visit(
        officer.id, zone.id, None, GpsFix(lat=-7.97705, lon=112.63404, accuracy_m=10)
    )
    db.session.commit()
    page = admin_client.get("/admin/dasbor").get_data(as_text=True)
    assert "Budi Santoso · Taman Merbabu" in page
    assert '<span class="badge" data-unscheduled>di luar jadwal</span>' in page
    data = admin_client.get("/admin/dasbor/peta.json").get_json()
    assert data["officers"][0]["name"] == "Budi Santoso · di luar jadwal"
