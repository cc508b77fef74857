"""The dispatch board: officers ranked by distance and activity, one-click assignment,
the acknowledgement alert, merging duplicates, rejecting spam; all audited."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import AuditEvent, Complaint
from patrol.services import complaints, dashboard, entries, visits


def audit(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "complaint", AuditEvent.action == action
            )
        )
    )


@pytest.fixture
def admin(create_user):
    return create_user("admin")


def test_officers_are_ranked_by_activity_then_distance(
    create_user, create_zone, create_assignment, create_visit, create_complaint
):
    tugu = create_zone(name="Alun-Alun Tugu")
    far_zone = create_zone(name="Taman Jauh", lat=-7.9590, lon=112.6340)  # about 2 km north
    near = create_user("officer", full_name="Ani Dekat")
    far = create_user("officer", full_name="Budi Jauh")
    zone_only = create_user("officer", full_name="Cici Zona")
    create_user("officer", full_name="Dedi Entah")
    busy = create_user("officer", full_name="Eko Sibuk")
    create_user("officer", full_name="Fani Nonaktif", active=False)
    now = datetime.now(timezone.utc)
    for officer in (near, far, zone_only, busy):
        create_assignment(officer, tugu if officer is not zone_only else far_zone)
    # Last known fixes: Ani 200 m away (an entry), Budi 2 km (a visit's start).
    visit = create_visit(near, tugu, start_lat=-7.9800, start_lon=112.6400, started_at=now)
    entries.log_crowd_count(
        near.id, visit.uuid, None, 10, gps=GpsFix(lat=-7.9788, lon=112.6340, accuracy_m=5)
    )
    visits.end_visit(near.id, visit.uuid, GpsFix.missing())
    create_visit(far, far_zone, start_lat=-7.9590, start_lon=112.6340, started_at=now, ended_at=now)
    complaint = create_complaint()
    other = create_complaint()
    complaints.assign(other, busy.id, create_user("admin").id)
    db.session.commit()

    ranked = complaints.rank_officers(complaint, now + timedelta(minutes=1))
    names = [o.full_name for o in ranked]
    assert names == ["Ani Dekat", "Budi Jauh", "Cici Zona", "Dedi Entah", "Eko Sibuk"]
    by_name = {o.full_name: o for o in ranked}
    assert 150 < by_name["Ani Dekat"].distance_m < 250
    assert by_name["Ani Dekat"].position == "gps"
    assert 1900 < by_name["Cici Zona"].distance_m < 2200
    assert by_name["Cici Zona"].position == "zone"
    assert by_name["Dedi Entah"].distance_m is None
    assert by_name["Dedi Entah"].activity == "free"
    assert by_name["Eko Sibuk"].activity == "complaint"


def test_an_officer_in_a_visit_ranks_after_free_hands(
    create_user, create_zone, create_assignment, create_visit, create_complaint
):
    tugu = create_zone()
    walking = create_user("officer", full_name="Ani Jalan")
    visiting = create_user("officer", full_name="Budi Kunjungan")
    create_assignment(walking, tugu)
    create_assignment(visiting, tugu)
    create_visit(visiting, tugu, start_lat=-7.97705, start_lon=112.63404)
    complaint = create_complaint()
    ranked = complaints.rank_officers(complaint)
    assert [(o.full_name, o.activity) for o in ranked] == [
        ("Ani Jalan", "patrol"),
        ("Budi Kunjungan", "visit"),
    ]


def test_board_lists_open_complaints_with_ranked_officers_and_the_phone(
    admin_client, create_user, create_zone, create_complaint
):
    create_zone(name="Alun-Alun Tugu")
    create_user("officer", full_name="Ani Dekat")
    complaint = create_complaint(phone="081234567890", consent=True)
    page = admin_client.get("/admin/aduan").get_data(as_text=True)
    assert f'data-complaint="{complaint.code}"' in page
    assert "Ani Dekat" in page and "Tugaskan" in page
    assert "+6281234567890" in page  # admins see the reply number
    assert "data-board-map" in page


def test_one_click_assigns_the_officer_and_is_audited(
    admin_client, admin, create_user, create_zone, create_complaint
):
    create_zone()
    officer = create_user("officer", full_name="Ani Dekat")
    complaint = create_complaint()
    response = admin_client.post(
        f"/admin/aduan/{complaint.id}/tugaskan",
        data={"officer_id": officer.id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "ditugaskan ke Ani Dekat" in response.get_data(as_text=True)
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.status == "assigned" and complaint.assigned_officer_id == officer.id
    [event] = audit("assign")
    assert event.before["status"] == "received"
    assert event.after["assigned_officer_id"] == officer.id


@pytest.mark.parametrize("officer_id", ["", "abc", "999999"])
def test_assigning_nobody_is_refused_in_bahasa(
    admin_client, create_zone, create_complaint, officer_id
):
    create_zone()
    complaint = create_complaint()
    response = admin_client.post(
        f"/admin/aduan/{complaint.id}/tugaskan",
        data={"officer_id": officer_id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Pilih petugas yang aktif." in response.get_data(as_text=True)
    assert audit("assign") == []


def test_officers_and_guards_cannot_dispatch(
    client, create_user, login, create_complaint, create_zone
):
    create_zone()
    complaint = create_complaint()
    officer = create_user("officer")
    login(client, officer)
    assert client.get("/admin/aduan").status_code == 403
    response = client.post(f"/admin/aduan/{complaint.id}/tugaskan", data={"officer_id": officer.id})
    assert response.status_code == 403


def test_acknowledgement_alert_at_its_boundary(
    app, admin_client, create_user, create_zone, create_complaint
):
    create_zone()
    filed = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    complaint = create_complaint(created_at=filed)
    assert app.config["COMPLAINT_ACK_MINUTES"] == 15
    just_before = filed + timedelta(minutes=14, seconds=59)
    at_limit = filed + timedelta(minutes=15)
    assert complaints.late_complaints(just_before) == []
    assert [c.id for c in complaints.late_complaints(at_limit)] == [complaint.id]
    assert dashboard.alerts(at_limit, 3)["late_complaints"][0].code == complaint.code
    # Assigned but not accepted is still unacknowledged; accepted is not.
    officer = create_user("officer")
    complaints.assign(complaint, officer.id, create_user("admin").id)
    assert len(complaints.late_complaints(at_limit)) == 1
    complaints.accept(officer.id, complaint.id, None, GpsFix.missing())
    assert complaints.late_complaints(at_limit + timedelta(hours=1)) == []


def test_dashboard_shows_the_late_complaint_alert(admin_client, create_zone, create_complaint):
    create_zone()
    late = create_complaint(created_at=datetime.now(timezone.utc) - timedelta(minutes=16))
    fresh = create_complaint()
    page = admin_client.get("/admin/dasbor").get_data(as_text=True)
    assert "Aduan belum diterima petugas" in page
    assert late.code in page and fresh.code not in page
    board = admin_client.get("/admin/aduan").get_data(as_text=True)
    assert board.count("data-late") == 1


def test_duplicates_near_in_place_and_time_can_be_merged(
    admin_client, create_zone, create_complaint
):
    create_zone()
    now = datetime.now(timezone.utc)
    first = create_complaint(created_at=now - timedelta(minutes=30))
    second = create_complaint(created_at=now, lat="-7.97750", lon="112.63404")  # 50 m away
    far = create_complaint(created_at=now, lat="-7.95000", lon="112.63404")  # 3 km away
    page = admin_client.get("/admin/aduan").get_data(as_text=True)
    assert f"Gabungkan ke {first.code}" in page
    assert f"Gabungkan ke {far.code}" not in page
    response = admin_client.post(
        f"/admin/aduan/{second.id}/gabung", data={"into": first.id}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Complaint, second.id).merged_into_id == first.id
    assert db.session.get(Complaint, second.id).status == "merged"
    [event] = audit("merge")
    assert event.after["merged_into_id"] == first.id
    refused = admin_client.post(
        f"/admin/aduan/{far.id}/gabung", data={"into": first.id}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422
    assert "tidak berdekatan" in refused.get_data(as_text=True)


def test_reject_as_spam_needs_a_reason_and_is_audited(admin_client, create_zone, create_complaint):
    create_zone()
    complaint = create_complaint()
    url = f"/admin/aduan/{complaint.id}/tolak"
    refused = admin_client.post(url, data={"reason": " "}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "Tulis alasan penolakan." in refused.get_data(as_text=True)
    response = admin_client.post(
        url, data={"reason": "Iklan, bukan aduan."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.status == "rejected" and complaint.reject_reason == "Iklan, bukan aduan."
    [event] = audit("reject")
    assert event.after["reject_reason"] == "Iklan, bukan aduan."


def test_close_without_a_visit_is_audited(admin_client, create_zone, create_complaint):
    create_zone()
    complaint = create_complaint()
    response = admin_client.post(
        f"/admin/aduan/{complaint.id}/tutup",
        data={"result": "Sudah ditangani DLH."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.status == "done" and complaint.visit_id is None
    assert len(audit("close")) == 1


def test_unknown_complaint_on_the_board_is_a_404(admin_client):
    response = admin_client.post("/admin/aduan/999999/tugaskan", data={"officer_id": "1"})
    assert response.status_code == 404
