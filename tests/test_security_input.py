"""Bad input outside the JSON API: days at the edge of the calendar, ids beyond what the
database holds, a form without its geometry. Each answers 4xx in Bahasa, never 500."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Assignment, MissedCheckpointClosure, Zone

CALENDAR = "Tanggal harus antara tahun 2000 dan 2100."


@pytest.mark.parametrize(
    "query",
    [
        "tanggal=0001-01-01",
        "tanggal=9999-12-31",
        "tanggal=9999-12-31&tampilan=minggu",
        "tanggal=0001-01-01&tampilan=minggu",
    ],
)
def test_shift_planner_refuses_a_day_outside_the_calendar(admin_client, query):
    response = admin_client.get(f"/admin/shift?{query}")
    assert response.status_code == 400
    assert CALENDAR in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tanggal=kemarin", "Tanggal tidak valid"),
        ("zona=abc", "Pilihan tidak dikenal."),
        ("petugas=99999999999999999999", "Pilihan tidak dikenal."),
    ],
)
def test_shift_planner_refuses_a_bad_query_in_words(admin_client, query, message):
    for page in ("/admin/shift", "/admin/shift/baru"):
        response = admin_client.get(f"{page}?{query}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_the_audit_log_refuses_a_kind_too_long_in_words(admin_client):
    response = admin_client.get("/admin/audit?jenis=" + "x" * 65)
    assert response.status_code == 400 and "terlalu panjang" in response.text


def test_shift_planner_still_shows_its_last_day(admin_client):
    assert admin_client.get("/admin/shift?tanggal=2100-12-31&tampilan=minggu").status_code == 200


@pytest.mark.parametrize(
    ("day", "starts", "ends", "repeat"),
    [
        ("9999-12-31", "22:00", "06:00", "1"),  # overnight on the last representable day
        ("9999-12-31", "07:00", "15:00", "3"),  # repeated past it
        ("0001-01-01", "01:00", "05:00", "1"),  # before the first (UTC is 7 hours earlier)
    ],
)
def test_a_shift_at_the_edge_of_the_calendar_is_a_form_error(
    admin_client, create_user, create_zone, day, starts, ends, repeat
):
    officer, zone = create_user("officer"), create_zone()
    response = admin_client.post(
        "/admin/shift/baru",
        data={
            "officer_id": officer.id,
            "zone_id": zone.id,
            "day": day,
            "starts_at": starts,
            "ends_at": ends,
            "repeat_days": repeat,
        },
    )
    assert response.status_code == 422
    assert CALENDAR in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


@pytest.mark.parametrize("target", ["9999-12-31", "0001-01-01"])
def test_copying_shifts_to_the_edge_of_the_calendar_is_a_form_error(
    admin_client, create_user, create_zone, create_assignment, target
):
    officer, zone = create_user("officer"), create_zone()
    # An overnight shift on the source day (WIB 22:00 to 06:00).
    create_assignment(officer, zone, starts_at=datetime(2026, 3, 2, 15, tzinfo=timezone.utc))
    response = admin_client.post(
        "/admin/shift/salin",
        data={"source": "2026-03-02", "target": target, "copy_zone_id": "0"},
    )
    assert response.status_code == 422
    assert CALENDAR in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/admin/laporan/pelanggaran?zone_id=100000000000000000000",
        "/admin/laporan/cakupan?zone_id=100000000000000000000",
        "/admin/laporan/kunjungan-kantor?office_id=100000000000000000000",
        "/admin/laporan/pelanggaran?zone_id=1e20",
        "/admin/laporan/pelanggaran.csv?zone_id=100000000000000000000",
    ],
)
def test_report_filter_with_an_id_beyond_the_database_is_refused(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 422
    assert "Pilihan tidak dikenal." in response.get_data(as_text=True)


@pytest.mark.parametrize("assignment_id", ["100000000000000000000", "1e20", "-1"])
def test_closing_an_alert_of_an_impossible_shift_is_refused(admin_client, assignment_id):
    response = admin_client.post(
        "/admin/titik/peringatan/tutup",
        data={
            "assignment_id": assignment_id,
            "checkpoint_id": "100000000000000000000",
            "due_at": "2026-01-01T00:00:00+00:00",
            "comment": "Hujan deras",
        },
    )
    assert response.status_code == 422
    assert "Peringatan ini tidak ditemukan." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MissedCheckpointClosure)) == 0


def test_zone_edit_without_a_geometry_field_is_a_form_error(admin_client, create_zone):
    zone = create_zone(name="Taman Merbabu")
    before = dict(zone.geometry)
    response = admin_client.post(
        f"/admin/zona/{zone.id}",
        data={"name": "Taman Merbabu Baru", "kind": "taman", "capacity": "50"},
    )
    assert response.status_code == 422
    assert "Gambar zona di peta" in response.get_data(as_text=True)
    db.session.expire_all()
    unchanged = db.session.get(Zone, zone.id)
    assert unchanged.name == "Taman Merbabu" and unchanged.geometry == before


def test_shift_form_keeps_working_inside_the_calendar(admin_client, create_user, create_zone):
    officer, zone = create_user("officer"), create_zone()
    day = (datetime.now(timezone.utc) + timedelta(days=3)).date().isoformat()
    response = admin_client.post(
        "/admin/shift/baru",
        data={
            "officer_id": officer.id,
            "zone_id": zone.id,
            "day": day,
            "starts_at": "22:00",
            "ends_at": "06:00",
            "repeat_days": "1",
        },
    )
    assert response.status_code == 302
