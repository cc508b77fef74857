"""POST /api/v1/sync: the phone's outbox arrives exactly once, whatever the order."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CrowdCount, Violation, Visit
from tests.fixtures_offline import minutes_ago

URL = "/api/v1/sync"


def send(client, records, **kwargs):
    return client.post(URL, json={"records": records}, **kwargs)


def statuses(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["status"] for r in response.get_json()["results"]]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_offline_visit_and_its_entries_arrive_and_link_up(client, sync_officer, offline_records):
    officer, zone = sync_officer
    start = offline_records.visit_start(zone.id, minutes=30)
    v = start["uuid"]
    records = [
        offline_records.visit_end(v, minutes=5),
        offline_records.violation(v, minutes=20, people_count=3, notes="Di dekat air mancur"),
        offline_records.crowd_count(v, headcount=60, minutes=15),
        start,  # the start comes last in the batch, and still goes in first
    ]
    response = send(client, records)
    assert statuses(response) == ["created"] * 4
    results = response.get_json()["results"]
    assert [r["uuid"] for r in results] == [r["uuid"] for r in records]

    db.session.expire_all()
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == v))
    assert visit.officer_id == officer.id
    assert visit.start_geofence == "inside"
    assert visit.closed_by == "officer" and visit.end_uuid == records[0]["uuid"]
    assert visit.assignment_id is not None
    violation = visit.violations[0]
    assert (violation.people_count, violation.notes) == (3, "Di dekat air mancur")
    assert violation.geofence == "inside"
    assert visit.crowd_counts[0].level == "busy"
    # The time it happened is kept; the time it arrived is separate.
    assert (violation.created_at - violation.recorded_at).total_seconds() > 15 * 60
    assert violation.recorded_at.isoformat(timespec="milliseconds").startswith(
        records[1]["recorded_at"][:19]
    )


def test_replaying_a_batch_creates_nothing(client, sync_officer, offline_records):
    _officer, zone = sync_officer
    start = offline_records.visit_start(zone.id)
    records = [
        start,
        offline_records.violation(start["uuid"], offender_nik="3573 0123 4567 8901"),
        offline_records.crowd_count(start["uuid"]),
        offline_records.visit_end(start["uuid"]),
    ]
    first = send(client, records).get_json()["results"]
    again = send(client, records)
    assert statuses(again) == ["duplicate"] * 4
    assert [r["id"] for r in again.get_json()["results"]] == [r["id"] for r in first]
    assert (count(Visit), count(Violation), count(CrowdCount)) == (1, 1, 1)


def test_a_form_saved_online_whose_answer_was_lost_is_a_duplicate(
    client, sync_officer, offline_records, create_visit
):
    """The server's clock stamped it a moment later than the phone did: still the same."""
    officer, zone = sync_officer
    visit = create_visit(officer, zone)
    record = offline_records.crowd_count(visit.uuid, headcount=12, minutes=0)
    assert statuses(send(client, [record])) == ["created"]
    record["recorded_at"] = minutes_ago(1)
    assert statuses(send(client, [record])) == ["duplicate"]


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("violation", {"category": "crowding"}, "category"),
        ("violation", {"people_count": 7}, "people_count"),
        ("violation", {"notes": "lain"}, "notes"),
        ("crowd_count", {"headcount": 99}, "headcount"),
        ("crowd_count", {"recorded_at": minutes_ago(50)}, "recorded_at"),
        ("crowd_count", {"lat": -7.9771}, "gps"),
    ],
)
def test_the_same_uuid_with_other_content_is_a_conflict(
    client, sync_officer, offline_records, kind, change, field
):
    _officer, zone = sync_officer
    start = offline_records.visit_start(zone.id, minutes=60)
    record = getattr(offline_records, kind)(start["uuid"])
    assert statuses(send(client, [start, record])) == ["created", "created"]
    response = send(client, [record | change])
    assert statuses(response) == ["conflict"]
    result = response.get_json()["results"][0]
    assert field in result["error"] and "berbeda" in result["error"]
    db.session.expire_all()
    assert count(Violation) + count(CrowdCount) == 1


def test_a_visit_start_with_another_zone_is_a_conflict(
    client, sync_officer, offline_records, create_zone
):
    _officer, zone = sync_officer
    other = create_zone(name="Taman Merbabu")
    start = offline_records.visit_start(zone.id)
    assert statuses(send(client, [start])) == ["created"]
    assert statuses(send(client, [start | {"zone_id": other.id}])) == ["conflict"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"headcount": -1}, "tidak boleh kurang dari 0"),
        ({"headcount": 10001}, "tidak boleh lebih dari 10.000"),
        ({"headcount": "banyak"}, "bilangan bulat"),
        ({"lat": 95}, "Lintang harus antara -90 dan 90"),
        ({"lon": "timur"}, "Bujur harus berupa angka"),
        ({"recorded_at": "kemarin"}, "ISO 8601"),
        ({"recorded_at": "2026-11-27T10:00:00"}, "zona waktu"),
        ({"recorded_at": minutes_ago(-60)}, "masa depan"),
        ({"uuid": "bukan-uuid"}, "UUID"),
        ({"uuid": None}, "UUID"),
        ({"kind": "checkpoint"}, "tidak dikenal"),
        ({"visit_uuid": str(uuid.uuid4())}, "Kunjungan tidak ditemukan"),
        ({"visit_uuid": None}, "wajib diisi"),
    ],
)
def test_an_invalid_record_is_rejected_with_its_reason(
    client, sync_officer, offline_records, create_visit, change, message
):
    officer, zone = sync_officer
    visit = create_visit(officer, zone)
    record = offline_records.crowd_count(visit.uuid, minutes=0) | change
    response = send(client, [record])
    assert statuses(response) == ["rejected"]
    assert message in response.get_json()["results"][0]["error"]
    assert count(CrowdCount) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "mabuk"}, "Jenis pelanggaran tidak dikenal"),
        ({"action": None}, "Pilih tindakan"),
        ({"people_count": 0}, "tidak boleh kurang dari 1"),
        ({"offender_nik": "12345"}, "NIK harus terdiri dari 16 angka"),
        ({"notes": 5}, "teks"),
        ({"action": "fine", "fine_amount": "seratus"}, "angka rupiah"),
    ],
)
def test_an_invalid_violation_is_rejected(
    client, sync_officer, offline_records, create_visit, change, message
):
    officer, zone = sync_officer
    visit = create_visit(officer, zone)
    record = offline_records.violation(visit.uuid, minutes=0) | change
    response = send(client, [record])
    assert statuses(response) == ["rejected"]
    assert message in response.get_json()["results"][0]["error"]
    assert count(Violation) == 0


def test_a_fine_without_an_amount_gets_the_rules_default(
    client, sync_officer, offline_records, create_visit
):
    officer, zone = sync_officer
    visit = create_visit(officer, zone)
    record = offline_records.violation(visit.uuid, minutes=0, action="fine")
    assert statuses(send(client, [record])) == ["created"]
    assert db.session.scalar(sa.select(Violation.fine_amount)) == 100_000


def test_one_bad_record_does_not_stop_the_rest(client, sync_officer, offline_records):
    _officer, zone = sync_officer
    start = offline_records.visit_start(zone.id)
    v = start["uuid"]
    records = [
        offline_records.violation(v),
        offline_records.violation(v, category="tidak_ada"),
        start,
        "not a record",
        offline_records.crowd_count(v, headcount=-5),
        offline_records.crowd_count(v, headcount=5),
        offline_records.visit_end(v, minutes=10),
        offline_records.violation(v, minutes=2),  # after the visit ended
    ]
    response = send(client, records)
    assert statuses(response) == [
        "created",
        "rejected",
        "created",
        "rejected",
        "rejected",
        "created",
        "created",
        "rejected",
    ]
    errors = [r.get("error") for r in response.get_json()["results"]]
    assert "sudah selesai" in errors[7]
    assert (count(Visit), count(Violation), count(CrowdCount)) == (1, 1, 1)


def test_a_day_of_two_visits_ended_and_started_offline(client, sync_officer, offline_records):
    """The first visit's end comes before the second's start, whatever the batch order."""
    _officer, zone = sync_officer
    first = offline_records.visit_start(zone.id, minutes=90)
    second = offline_records.visit_start(zone.id, minutes=40)
    records = [
        second,
        offline_records.violation(second["uuid"], minutes=30),
        offline_records.visit_end(second["uuid"], minutes=10),
        offline_records.visit_end(first["uuid"], minutes=60),
        first,
    ]
    assert statuses(send(client, records)) == ["created"] * 5
    assert count(Visit) == 2


def test_an_entry_a_moment_before_its_offline_visit_started_still_links_up(
    client, sync_officer, offline_records
):
    _officer, zone = sync_officer
    start = offline_records.visit_start(zone.id, minutes=10)
    early = offline_records.crowd_count(start["uuid"], minutes=11)  # phone clock within skew
    assert statuses(send(client, [early, start])) == ["created", "created"]


def test_another_officers_visit_is_rejected(
    client, sync_officer, offline_records, create_user, create_visit
):
    _officer, zone = sync_officer
    other = create_user("officer")
    their_visit = create_visit(other, zone)
    records = [
        offline_records.violation(their_visit.uuid, minutes=0),
        offline_records.crowd_count(their_visit.uuid, minutes=0),
        offline_records.visit_end(their_visit.uuid, minutes=0),
        # Replaying someone else's visit UUID as a start does not hand it over.
        offline_records.visit_start(zone.id) | {"uuid": their_visit.uuid},
    ]
    response = send(client, records)
    assert statuses(response) == ["rejected"] * 4
    assert {r["error"] for r in response.get_json()["results"]} == {
        "Kunjungan ini milik petugas lain."
    }
    db.session.expire_all()
    assert db.session.get(Visit, their_visit.id).ended_at is None


def test_500_records_are_taken_in_one_request(client, sync_officer, offline_records):
    _officer, zone = sync_officer
    start = offline_records.visit_start(zone.id, minutes=100)
    records = [start] + [
        offline_records.crowd_count(start["uuid"], headcount=n, minutes=90 - n / 10)
        for n in range(499)
    ]
    assert statuses(send(client, records)) == ["created"] * 500
    assert count(CrowdCount) == 499


def test_more_than_500_records_are_refused_with_a_clear_message(
    client, sync_officer, offline_records
):
    records = [offline_records.crowd_count(str(uuid.uuid4())) for _ in range(501)]
    response = send(client, records)
    assert response.status_code == 413
    assert "Paling banyak 500 catatan" in response.get_json()["error"]


@pytest.mark.parametrize("body", [None, {"records": "semua"}, [1, 2], {"rekaman": []}])
def test_a_body_that_is_not_a_batch_is_refused(client, sync_officer, body):
    response = client.post(URL, data="xx" if body is None else None, json=body)
    assert response.status_code == 400
    assert "records" in response.get_json()["error"]


def test_an_empty_batch_is_fine(client, sync_officer):
    assert statuses(send(client, [])) == []


def test_sync_needs_the_csrf_header(client, sync_officer, offline_records):
    _officer, zone = sync_officer
    response = send(client, [offline_records.visit_start(zone.id)], csrf=False)
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]
    assert count(Visit) == 0


def test_an_ended_session_answers_401_in_json(client, offline_records):
    response = send(client, [])
    assert response.status_code == 401
    assert "Silakan masuk lagi" in response.get_json()["error"]


@pytest.mark.parametrize("role", ["guard", "admin"])
def test_guards_and_admins_cannot_sync(client, create_user, login, role):
    login(client, create_user(role))
    response = send(client, [])
    assert response.status_code == 403
    assert response.is_json


def test_the_api_is_described_in_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    sync = spec["paths"]["/sync"]["post"]
    assert {"200", "400", "401", "403", "413"} <= set(sync["responses"])
    mapping = spec["components"]["schemas"]["SyncRecord"]["discriminator"]["mapping"]
    assert set(mapping) == {
        "visit_start",
        "visit_end",
        "violation",
        "crowd_count",
        "checkpoint_scan",
        "complaint_accept",
        "complaint_close",
    }


def test_a_retry_racing_the_first_send_is_a_duplicate(
    app, sync_officer, offline_records, create_visit, monkeypatch
):
    """Both requests passed the look-up; the unique constraint lets only one row in."""
    from patrol.services import records, sync

    officer, zone = sync_officer
    visit = create_visit(officer, zone)
    record = offline_records.crowd_count(visit.uuid, minutes=0)
    first = sync.sync(officer.id, [record])
    db.session.commit()
    monkeypatch.setattr(records, "find_by_uuid", lambda model, value: None)
    monkeypatch.setattr(sync, "_existing_entry", lambda model, value: None)
    second = sync.sync(officer.id, [record])
    assert [r.status for r in first + second] == ["created", "duplicate"]
    assert second[0].id == first[0].id
    assert count(CrowdCount) == 1
