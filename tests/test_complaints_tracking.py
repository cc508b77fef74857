"""The tracking page /aduan/<code>: progress with WIB times, and nothing personal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.services import complaints, entries


@pytest.fixture
def answered(create_user, create_zone, create_complaint):
    """A complaint with a phone, answered by a named officer who fined a named offender."""
    zone = create_zone(name="Alun-Alun Tugu")
    officer = create_user("officer", full_name="Budi Santoso")
    admin = create_user("admin", full_name="Siti Admin")
    complaint = create_complaint(
        phone="081234567890",
        consent=True,
        description="Pak Joko jualan di trotoar sampai malam",
    )
    complaints.assign(complaint, officer.id, admin.id)
    complaints.accept(
        officer.id, complaint.id, None, GpsFix(lat=-7.97705, lon=112.63404, accuracy_m=10)
    )
    entries.log_violation(
        officer.id,
        complaint.visit.uuid,
        None,
        "vendor_hours",
        "verbal_warning",
        offender_name="Joko Widodo",
        offender_nik="3573010101010001",
    )
    complaints.close_by_visit(
        officer.id, complaint.id, "PKL sudah diminta pindah dan diberi teguran.", GpsFix.missing()
    )
    db.session.commit()
    return complaint, zone


def test_tracking_shows_every_stage_with_wib_times_and_the_outcome(client, answered):
    complaint, _zone = answered
    response = client.get(f"/aduan/{complaint.code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for stage in ("Diterima", "Petugas ditugaskan", "Petugas di lokasi", "Selesai"):
        assert stage in page
    assert page.count('class="stage reached"') == 4
    assert "Selesai ditangani: PKL sudah diminta pindah dan diberi teguran." in page
    assert "WIB" in page
    assert response.headers["Cache-Control"] == "private, no-store"


def test_tracking_never_shows_personal_data(client, answered):
    complaint, _zone = answered
    page = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    for secret in (
        "Budi Santoso",  # the officer
        "Joko Widodo",  # the offender
        "0001",  # the offender's NIK (last four digits)
        "81234567890",  # the reporter's phone
        "Pak Joko",  # the reporter's own words may name people
        "Siti Admin",
    ):
        assert secret not in page


def test_unknown_code_is_a_404_in_bahasa(client, create_complaint, create_zone):
    create_zone()
    create_complaint()
    for code in ("ZZZZZZZZZZ", "x", "a" * 40, "AB-CD"):
        response = client.get(f"/aduan/{code}")
        assert response.status_code == 404
    assert "Kode aduan tidak dikenal" in client.get("/aduan/ZZZZZZZZZZ").get_data(as_text=True)


def test_code_is_read_without_regard_to_case(client, create_complaint, create_zone):
    create_zone()
    complaint = create_complaint()
    assert client.get(f"/aduan/{complaint.code.lower()}").status_code == 200


def test_received_complaint_waits_for_an_officer(client, create_complaint, create_zone):
    create_zone()
    complaint = create_complaint()
    page = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Aduan Anda sudah kami terima dan menunggu petugas." in page
    assert page.count('class="stage reached"') == 1
    assert "Petugas menuju lokasi" in page


def test_tracking_fragment_for_htmx_polling(client, create_complaint, create_zone):
    create_zone()
    complaint = create_complaint()
    response = client.get(f"/aduan/{complaint.code}", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<section class="card track-status"')
    assert "<html" not in page
    assert "HX-Request" in response.headers["Vary"]


def test_officer_on_the_way_then_on_site(client, create_user, create_zone, create_complaint):
    create_zone()
    officer = create_user("officer")
    admin = create_user("admin")
    complaint = create_complaint()
    complaints.assign(complaint, officer.id, admin.id)
    # Accepted 2 km away: on the way.
    complaints.accept(
        officer.id, complaint.id, None, GpsFix(lat=-7.9590, lon=112.6340, accuracy_m=10)
    )
    db.session.commit()
    page = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Petugas Satpol PP sedang menuju lokasi." in page
    entries.log_crowd_count(officer.id, complaint.visit.uuid, None, 40)
    db.session.commit()
    page = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Petugas Satpol PP sudah di lokasi." in page


def test_rejected_complaint_says_why(client, create_user, create_zone, create_complaint):
    create_zone()
    admin = create_user("admin")
    complaint = create_complaint()
    complaints.reject(complaint, admin.id, "Bukan kewenangan Satpol PP.")
    db.session.commit()
    page = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Aduan ini tidak diproses: Bukan kewenangan Satpol PP." in page


def test_merged_duplicate_follows_the_complaint_it_joined(
    client, create_user, create_zone, create_complaint
):
    create_zone()
    admin = create_user("admin")
    officer = create_user("officer")
    now = datetime.now(timezone.utc)
    first = create_complaint(created_at=now - timedelta(minutes=10))
    second = create_complaint(created_at=now)
    complaints.merge(second, first, admin.id)
    complaints.assign(first, officer.id, admin.id)
    db.session.commit()
    page = client.get(f"/aduan/{second.code}").get_data(as_text=True)
    assert "digabung" in page
    assert "Petugas Satpol PP sudah ditugaskan" in page
    assert second.code in page and first.code not in page
