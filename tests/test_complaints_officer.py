"""The officer's answer: the assigned complaint on the phone, Terima → an unscheduled visit,
entries linked through it, and ending the visit closes the complaint for the reporter."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import Complaint, Visit
from patrol.services import complaints, visits
from tests.fixtures_field import INSIDE


@pytest.fixture
def dispatched(client, create_user, create_zone, create_complaint, login):
    """A complaint at Alun-Alun Tugu assigned to a logged-in officer without a shift there."""
    zone = create_zone(name="Alun-Alun Tugu")
    officer = create_user("officer", full_name="Budi Santoso")
    admin = create_user("admin")
    complaint = create_complaint(description="Kerumunan di air mancur")
    complaints.assign(complaint, officer.id, admin.id)
    db.session.commit()
    login(client, officer)
    return officer, zone, complaint


def reload(complaint: Complaint) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, complaint.id)


def test_home_page_polls_for_assigned_complaints(client, dispatched):
    home = client.get("/patroli/").get_data(as_text=True)
    assert 'hx-get="/patroli/aduan"' in home
    response = client.get("/patroli/aduan", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'hx-trigger="every 20s"' in page
    assert "Kerumunan di air mancur" in page and "Alun-Alun Tugu" in page
    assert ">Terima</button>" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_another_officer_does_not_see_it(app, dispatched, create_user, login):
    client = app.test_client()
    login(client, create_user("officer"))
    page = client.get("/patroli/aduan").get_data(as_text=True)
    assert "Kerumunan di air mancur" not in page


def test_accept_visit_close_path(client, dispatched):
    officer, zone, complaint = dispatched
    visit_uuid = str(uuid.uuid4())
    response = client.post(
        f"/patroli/aduan/{complaint.id}/terima", data={"uuid": visit_uuid} | INSIDE
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/patroli/kunjungan/{visit_uuid}")
    complaint = reload(complaint)
    visit = complaint.visit
    assert complaint.status == "accepted" and complaint.accepted_at is not None
    assert visit.uuid == visit_uuid and visit.zone_id == zone.id and visit.unscheduled
    # The visit page shows the complaint and offers to close it, not the plain end.
    page = client.get(f"/patroli/kunjungan/{visit_uuid}").get_data(as_text=True)
    assert "Kerumunan di air mancur" in page and "di luar jadwal" in page
    assert "Selesai kunjungan, tutup aduan" in page
    assert f"/patroli/kunjungan/{visit_uuid}/selesai" not in page
    # An entry logged in the visit links to the complaint through it.
    client.post(
        f"/patroli/kunjungan/{visit_uuid}/hitung",
        data={"uuid": str(uuid.uuid4()), "headcount": "35"} | INSIDE,
        headers={"HX-Request": "true"},
    )
    assert complaints.for_visit(visit.id).id == complaint.id
    # Closing needs a result for the reporter.
    refused = client.post(f"/patroli/aduan/{complaint.id}/selesai", data={"result": ""} | INSIDE)
    assert refused.status_code == 422
    assert "Tulis hasil penanganan untuk pelapor." in refused.get_data(as_text=True)
    assert reload(complaint).status == "accepted"
    done = client.post(
        f"/patroli/aduan/{complaint.id}/selesai",
        data={"result": "Kerumunan dibubarkan, 35 orang diminta pulang.", "uuid": str(uuid.uuid4())}
        | INSIDE,
    )
    assert done.status_code == 303
    complaint = reload(complaint)
    assert complaint.status == "done"
    assert complaint.resolution == "Kerumunan dibubarkan, 35 orang diminta pulang."
    assert complaint.visit.ended_at is not None and complaint.visit.closed_by == "officer"
    assert complaint.resolved_at == complaint.visit.ended_at
    tracking = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Selesai ditangani: Kerumunan dibubarkan" in tracking
    assert "Kerumunan di air mancur" not in client.get("/patroli/aduan").get_data(as_text=True)


def test_accept_sent_twice_starts_one_visit(client, dispatched):
    _officer, _zone, complaint = dispatched
    data = {"uuid": str(uuid.uuid4())} | INSIDE
    first = client.post(f"/patroli/aduan/{complaint.id}/terima", data=data)
    second = client.post(f"/patroli/aduan/{complaint.id}/terima", data=data)
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_accept_with_a_visit_still_open_is_refused_in_bahasa(client, dispatched, create_visit):
    officer, zone, complaint = dispatched
    create_visit(officer, zone)
    response = client.post(
        f"/patroli/aduan/{complaint.id}/terima",
        data={"uuid": str(uuid.uuid4())},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "masih berjalan" in response.get_data(as_text=True)
    assert reload(complaint).status == "assigned"


def test_officer_cannot_accept_someone_elses_complaint(app, dispatched, create_user, login):
    _officer, _zone, complaint = dispatched
    client = app.test_client()
    login(client, create_user("officer"))
    response = client.post(f"/patroli/aduan/{complaint.id}/terima", data=INSIDE)
    assert response.status_code == 422
    assert "Aduan ini ditugaskan ke petugas lain." in response.get_data(as_text=True)
    assert reload(complaint).visit_id is None


def test_visit_ended_the_plain_way_can_still_close_the_complaint(dispatched):
    officer, _zone, complaint = dispatched
    _c, visit = complaints.accept(officer.id, complaint.id, None, GpsFix.missing())
    visits.end_visit(officer.id, visit.uuid, GpsFix.missing())
    complaints.close_by_visit(officer.id, complaint.id, "Sudah sepi saat tiba.", GpsFix.missing())
    db.session.commit()
    assert reload(complaint).status == "done"


def test_complaint_photo_is_for_its_officer_and_admins_only(
    app, create_user, create_zone, create_complaint, login, make_image
):
    create_zone()
    officer = create_user("officer")
    complaint = create_complaint(photo=make_image())
    complaints.assign(complaint, officer.id, create_user("admin").id)
    db.session.commit()
    url = f"/aduan-foto/{complaint.id}"
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login page
    stranger = app.test_client()
    login(stranger, create_user("officer"))
    assert stranger.get(url).status_code == 403
    for user in (officer, create_user("admin")):
        client = app.test_client()
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"


# Through the sync API (the phone's outbox) ----------------------------------------------


def sync(client, records):
    response = client.post("/api/v1/sync", json={"records": records})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def test_accept_entries_and_close_through_the_sync_api_exactly_once(client, dispatched):
    _officer, _zone, complaint = dispatched
    visit_uuid, end_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    records = [
        {
            "uuid": visit_uuid,
            "kind": "complaint_accept",
            "complaint_id": complaint.id,
            "recorded_at": (now - timedelta(minutes=20)).isoformat(),
            "lat": -7.97705,
            "lon": 112.63404,
            "accuracy_m": 8,
        },
        {
            "uuid": str(uuid.uuid4()),
            "kind": "crowd_count",
            "visit_uuid": visit_uuid,
            "headcount": 35,
            "recorded_at": (now - timedelta(minutes=15)).isoformat(),
        },
        {
            "uuid": end_uuid,
            "kind": "complaint_close",
            "complaint_id": complaint.id,
            "result": "Kerumunan dibubarkan.",
            "recorded_at": (now - timedelta(minutes=10)).isoformat(),
        },
    ]
    assert [r["status"] for r in sync(client, records)] == ["created"] * 3
    assert [r["status"] for r in sync(client, records)] == ["duplicate"] * 3
    complaint = reload(complaint)
    assert complaint.status == "done" and complaint.resolution == "Kerumunan dibubarkan."
    assert complaint.visit.uuid == visit_uuid and complaint.visit.end_uuid == end_uuid
    assert complaint.visit.unscheduled
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"kind": "complaint_accept", "complaint_id": "satu"}, "Pilihan tidak dikenal."),
        ({"kind": "complaint_accept", "complaint_id": 999999}, "Aduan tidak ditemukan."),
        ({"kind": "complaint_close", "result": "x"}, "Aduan ini belum diterima."),
        ({"kind": "complaint_close", "result": ["x"]}, "harus berupa teks"),
    ],
    ids=["id-not-a-number", "unknown-complaint", "close-before-accept", "result-not-text"],
)
def test_bad_complaint_records_are_rejected_in_bahasa(client, dispatched, record, message):
    _officer, _zone, complaint = dispatched
    record = {
        "uuid": str(uuid.uuid4()),
        "recorded_at": datetime.now(timezone.utc).isoformat(),
        "complaint_id": complaint.id,
    } | record
    [result] = sync(client, [record])
    assert result["status"] == "rejected" and message in result["error"]
    assert reload(complaint).status == "assigned"


# Ending the complaint's visit like any visit (the offline visit screen's visit_end) -----


def visit_end(visit_uuid: str, at: datetime, **fields) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "visit_end",
        "visit_uuid": visit_uuid,
        "recorded_at": at.isoformat(),
        "lat": -7.97705,
        "lon": 112.63404,
        "accuracy_m": 8,
    } | fields


def test_a_visit_end_with_a_result_closes_the_complaint_once(client, dispatched):
    _officer, _zone, complaint = dispatched
    visit_uuid = str(uuid.uuid4())
    client.post(f"/patroli/aduan/{complaint.id}/terima", data={"uuid": visit_uuid} | INSIDE)
    end = visit_end(
        visit_uuid, datetime.now(timezone.utc), result="Kerumunan dibubarkan, taman sepi lagi."
    )
    [first] = sync(client, [end])
    assert first["status"] == "created"
    closed = reload(complaint)
    assert closed.status == "done"
    assert closed.resolution == "Kerumunan dibubarkan, taman sepi lagi."
    assert closed.visit.end_uuid == end["uuid"] and closed.resolved_at == closed.visit.ended_at
    resolved_at = closed.resolved_at

    tracking = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Selesai ditangani: Kerumunan dibubarkan, taman sepi lagi." in tracking
    assert 'class="stage reached" data-stage="done"' in tracking

    # The outbox sends it again (its answer was lost): nothing changes, nothing fails.
    [again] = sync(client, [end])
    assert again["status"] == "duplicate" and again["id"] == first["id"]
    # The same end with another result is a conflict, and the first result stays.
    [changed] = sync(client, [end | {"result": "Lain"}])
    assert changed["status"] == "conflict" and "result" in changed["error"]
    closed = reload(complaint)
    assert closed.status == "done" and closed.resolved_at == resolved_at
    assert closed.resolution == "Kerumunan dibubarkan, taman sepi lagi."


def test_a_complaint_accepted_and_ended_offline_arrives_closed_in_one_batch(client, dispatched):
    _officer, _zone, complaint = dispatched
    visit_uuid = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    records = [
        visit_end(visit_uuid, now - timedelta(minutes=5), result="PKL diminta pindah."),
        {
            "uuid": visit_uuid,
            "kind": "complaint_accept",
            "complaint_id": complaint.id,
            "recorded_at": (now - timedelta(minutes=30)).isoformat(),
            "lat": -7.97705,
            "lon": 112.63404,
            "accuracy_m": 8,
        },
    ]
    assert [r["status"] for r in sync(client, records)] == ["created", "created"]
    assert [r["status"] for r in sync(client, records)] == ["duplicate", "duplicate"]
    closed = reload(complaint)
    assert closed.status == "done" and closed.resolution == "PKL diminta pindah."
    assert closed.visit.uuid == visit_uuid and closed.visit.closed_by == "officer"
    page = client.get(f"/aduan/{complaint.code}").get_data(as_text=True)
    assert "Selesai ditangani: PKL diminta pindah." in page


@pytest.mark.parametrize("result", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_a_complaints_visit_does_not_end_without_a_result(client, dispatched, result):
    _officer, _zone, complaint = dispatched
    visit_uuid = str(uuid.uuid4())
    client.post(f"/patroli/aduan/{complaint.id}/terima", data={"uuid": visit_uuid} | INSIDE)
    fields = {} if result is None else {"result": result}
    [answer] = sync(client, [visit_end(visit_uuid, datetime.now(timezone.utc), **fields)])
    assert answer["status"] == "rejected" and answer["field"] == "result"
    assert answer["error"] == "Tulis hasil penanganan untuk pelapor."
    still = reload(complaint)
    assert still.status == "accepted" and still.visit.is_open


def test_the_plain_end_button_of_a_complaints_visit_asks_for_the_result(client, dispatched):
    _officer, _zone, complaint = dispatched
    visit_uuid = str(uuid.uuid4())
    client.post(f"/patroli/aduan/{complaint.id}/terima", data={"uuid": visit_uuid} | INSIDE)
    page = client.get(f"/patroli/kunjungan/{visit_uuid}").get_data(as_text=True)
    assert f'data-complaint-id="{complaint.id}"' in page  # the offline screen learns it here
    url = f"/patroli/kunjungan/{visit_uuid}/selesai"
    refused = client.post(url, data={"uuid": str(uuid.uuid4())} | INSIDE)
    assert refused.status_code == 422
    assert "Tulis hasil penanganan untuk pelapor." in refused.get_data(as_text=True)
    assert reload(complaint).status == "accepted"
    done = client.post(
        url, data={"uuid": str(uuid.uuid4()), "result": "Sampah sudah diangkut."} | INSIDE
    )
    assert done.status_code == 303
    closed = reload(complaint)
    assert closed.status == "done" and closed.resolution == "Sampah sudah diangkut."
    assert not closed.visit.is_open


def test_a_visit_without_a_complaint_ends_as_before(client, create_user, create_zone, login):
    zone = create_zone(name="Alun-Alun Tugu")
    officer = create_user("officer")
    login(client, officer)
    visit = visits.start_visit(officer.id, zone.id, None, GpsFix.missing())
    db.session.commit()
    page = client.get(f"/patroli/kunjungan/{visit.uuid}").get_data(as_text=True)
    assert "data-complaint-id" not in page
    [answer] = sync(client, [visit_end(visit.uuid, datetime.now(timezone.utc), result="x")])
    assert answer["status"] == "created"
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0
