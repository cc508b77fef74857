"""Rounds and missed checkpoints: computed on known data, shown and closed by admins."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import AuditEvent, CheckpointScan, MissedCheckpointClosure, Visit
from patrol.rules.timeutil import WIB
from patrol.services import checkpoints

# A shift start on the hour a month ago: well before the alert list's days.
T0 = (datetime.now(timezone.utc) - timedelta(days=30)).replace(minute=0, second=0, microsecond=0)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# Pure functions -------------------------------------------------------------------------

A, B = 1, 2
# Interval 1 complete (A, B); interval 2 only A; interval 3 nothing; interval 4 B then A.
SCANS = [(A, at(10)), (B, at(50)), (A, at(90)), (B, at(185)), (A, at(200))]


def test_misses_are_the_checkpoints_not_scanned_in_each_complete_interval():
    found = checkpoints.misses([A, B], 60, T0, at(240), SCANS, now=at(300))
    assert [(m.checkpoint_id, m.due_at) for m in found] == [
        (B, at(120)),
        (A, at(180)),
        (B, at(180)),
    ]


def test_an_interval_still_running_is_not_missed_yet():
    found = checkpoints.misses([A, B], 60, T0, at(240), SCANS, now=at(170))
    assert [(m.checkpoint_id, m.due_at) for m in found] == [(B, at(120))]


@pytest.mark.parametrize("ordered, expected", [(False, (2, 4)), (True, (1, 4))])
def test_rounds_completed_count_order_only_for_ordered_rounds(ordered, expected):
    result = checkpoints.completed_rounds([A, B], ordered, 60, T0, at(240), SCANS, at(300))
    assert result == expected


def test_rounds_add_up_per_officer_and_round_least_completed_first():
    ani, budi = SimpleNamespace(full_name="Ani"), SimpleNamespace(full_name="Budi")
    park = SimpleNamespace(name="Taman")
    gate = SimpleNamespace(id=1, name="Putaran gerbang")

    def shift(officer_id, officer, completed, expected):
        assignment = SimpleNamespace(officer_id=officer_id, officer=officer, zone=park)
        return checkpoints.ShiftRounds(assignment, gate, completed, expected)

    rows = [shift(1, ani, 4, 4), shift(2, budi, 1, 4), shift(1, ani, 2, 4), shift(2, budi, 0, 0)]
    totals = checkpoints.rounds_per_officer(rows)
    assert [
        (t.officer.full_name, t.shifts, t.completed, t.expected, t.percent) for t in totals
    ] == [
        ("Budi", 2, 1, 4, 25),
        ("Ani", 2, 6, 8, 75),
    ]


def test_the_last_interval_is_cut_at_the_end_of_the_shift():
    assert checkpoints.windows(T0, at(90), 60) == [(T0, at(60)), (at(60), at(90))]


# On the database ------------------------------------------------------------------------


@pytest.fixture
def round_day(create_user, create_zone, create_assignment, create_checkpoint, create_round):
    """A 4-hour shift with a round of two checkpoints every hour, and the scans above."""
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Taman Merbabu")
    shift = create_assignment(officer, zone, starts_at=T0, hours=4)
    gate = create_checkpoint(zone, name="Gerbang utara")
    fountain = create_checkpoint(zone, name="Air mancur")
    patrol_round = create_round(zone, [gate, fountain], interval_minutes=60)
    visit = Visit(
        uuid=str(uuid.uuid4()),
        officer_id=officer.id,
        zone_id=zone.id,
        assignment_id=shift.id,
        started_at=T0,
        ended_at=at(240),
    )
    db.session.add(visit)
    db.session.flush()
    ids = {A: gate.id, B: fountain.id}
    for cid, when in SCANS:
        db.session.add(
            CheckpointScan(
                uuid=str(uuid.uuid4()), visit_id=visit.id, checkpoint_id=ids[cid], recorded_at=when
            )
        )
    db.session.commit()
    return {
        "shift": shift,
        "zone": zone,
        "gate": gate,
        "fountain": fountain,
        "round": patrol_round,
        "officer": officer,
    }


def test_missed_checkpoints_per_shift_and_zone_on_known_data(round_day):
    found = checkpoints.missed_checkpoints(T0 - timedelta(hours=1), at(300))
    assert [(m.checkpoint.name, m.due_at) for m in found] == [
        ("Air mancur", at(120)),
        ("Air mancur", at(180)),
        ("Gerbang utara", at(180)),
    ]
    assert [(z.name, n) for z, n in checkpoints.missed_per_zone(T0, at(300))] == [
        ("Taman Merbabu", 3)
    ]
    (rounds,) = checkpoints.rounds_per_shift(T0, at(300))
    assert (rounds.assignment.id, rounds.completed, rounds.expected) == (
        round_day["shift"].id,
        2,
        4,
    )
    # The coverage report reads the period once for both tables, with the same answers
    # (its rounds added up per officer and round).
    (both_rounds,), missed_zones = checkpoints.coverage(T0, at(300))
    assert (both_rounds.officer.id, both_rounds.shifts, both_rounds.completed) == (
        round_day["officer"].id,
        1,
        2,
    )
    assert (both_rounds.expected, both_rounds.percent) == (4, 50)
    assert [(z.name, n) for z, n in missed_zones] == [("Taman Merbabu", 3)]


def test_another_officers_scans_do_not_cover_the_shift(round_day, create_user):
    other = create_user("officer")
    visit = Visit(
        uuid=str(uuid.uuid4()), officer_id=other.id, zone_id=round_day["zone"].id, started_at=at(60)
    )
    db.session.add(visit)
    db.session.flush()
    db.session.add(
        CheckpointScan(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            checkpoint_id=round_day["fountain"].id,
            recorded_at=at(70),
        )
    )
    db.session.commit()
    assert len(checkpoints.missed_checkpoints(T0, at(300))) == 3


def test_an_inactive_round_raises_no_alerts(round_day):
    round_day["round"].active = False
    db.session.commit()
    assert checkpoints.missed_checkpoints(T0, at(300)) == []


@pytest.fixture
def admin_client(client, create_user, login):
    admin = create_user("admin")
    login(client, admin)
    return client


def test_admin_sees_open_alerts_and_closes_one_with_a_comment(round_day, admin_client):
    # The alert list looks back a few days from now; move the shift into that range.
    shift = round_day["shift"]
    offset = datetime.now(timezone.utc) - timedelta(hours=6) - T0
    shift.starts_at += offset
    shift.ends_at += offset
    for scan in db.session.scalars(sa.select(CheckpointScan)):
        scan.recorded_at += offset
    db.session.commit()
    page = admin_client.get("/admin/titik/peringatan").get_data(as_text=True)
    assert page.count("Tutup peringatan") == 3
    assert "Budi Santoso" in page
    # The dashboards' count (counted from plain rows) agrees with the list.
    assert checkpoints.open_alert_count(datetime.now(timezone.utc)) == 3
    due = (at(120) + offset).isoformat()
    form = {"assignment_id": shift.id, "checkpoint_id": round_day["fountain"].id, "due_at": due}
    refused = admin_client.post("/admin/titik/peringatan/tutup", data=form | {"comment": " "})
    assert refused.status_code == 422
    assert "Tulis alasan sebelum menutup peringatan ini." in refused.get_data(as_text=True)
    closed = admin_client.post(
        "/admin/titik/peringatan/tutup", data=form | {"comment": "Hujan deras, taman ditutup"}
    )
    assert closed.status_code == 303
    closure = db.session.scalar(sa.select(MissedCheckpointClosure))
    assert closure.comment == "Hujan deras, taman ditutup"
    assert checkpoints.open_alert_count(datetime.now(timezone.utc)) == 2
    overview = admin_client.get("/admin/titik/").get_data(as_text=True)
    assert "Titik terlewat: 2 peringatan terbuka" in overview
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "missed_checkpoint"))
        is not None
    )
    page = admin_client.get("/admin/titik/peringatan").get_data(as_text=True)
    assert page.count("Tutup peringatan") == 2
    again = admin_client.post("/admin/titik/peringatan/tutup", data=form | {"comment": "lagi"})
    assert again.status_code == 422
    assert "sudah ditutup" in again.get_data(as_text=True)


def test_the_checkpoint_overview_counts_checkpoints_rounds_and_open_alerts(
    round_day, admin_client, app
):
    page = admin_client.get("/admin/titik/").get_data(as_text=True)
    assert "Taman Merbabu" in page
    assert "2 titik" in page
    assert "1 putaran" in page
    # The shift of round_day lies a month back: outside the alert list's days.
    assert "Titik terlewat: 0 peringatan terbuka" in page
    card = app.jinja_env.get_template("rounds/_dashboard_card.html")
    with app.test_request_context():
        open_count = checkpoints.open_alert_count(datetime.now(timezone.utc))
        assert "0 peringatan terbuka" in card.render(open_count=open_count)


def test_closing_an_alert_that_does_not_exist_is_refused(round_day, admin_client):
    form = {
        "assignment_id": round_day["shift"].id,
        "checkpoint_id": round_day["gate"].id,
        "due_at": at(60).isoformat(),
        "comment": "salah",
    }
    response = admin_client.post("/admin/titik/peringatan/tutup", data=form)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(MissedCheckpointClosure.id))) == 0


def scan_now(field_setup, checkpoint):
    return field_setup.client.post(
        field_setup.visit_url + "/titik",
        data={
            "uuid": str(uuid.uuid4()),
            "token": checkpoint.token,
            "lat": "-7.97705",
            "lon": "112.63404",
            "accuracy": "5",
        },
    )


def test_the_visit_shows_which_checkpoints_are_done_and_which_are_due(
    field_setup, create_checkpoint, create_round
):
    gate = create_checkpoint(field_setup.zone, name="Gerbang utara")
    fountain = create_checkpoint(field_setup.zone, name="Air mancur")
    create_round(field_setup.zone, [gate, fountain], ordered=True, name="Putaran pagi")
    page = field_setup.client.get(field_setup.visit_url).get_data(as_text=True)
    assert "Putaran pagi · 0 dari 2 titik" in page
    assert scan_now(field_setup, gate).status_code == 303
    page = field_setup.client.get(field_setup.visit_url).get_data(as_text=True)
    assert "Putaran pagi · 1 dari 2 titik" in page
    assert page.count("selesai ") == 1
    assert "berikutnya, sebelum" in page
    assert "di luar urutan" not in page


def test_a_checkpoint_scanned_before_its_turn_shows_out_of_order(
    field_setup, create_checkpoint, create_round
):
    gate = create_checkpoint(field_setup.zone, name="Gerbang utara")
    fountain = create_checkpoint(field_setup.zone, name="Air mancur")
    create_round(field_setup.zone, [gate, fountain], ordered=True, name="Putaran pagi")
    assert scan_now(field_setup, fountain).status_code == 303
    page = field_setup.client.get(field_setup.visit_url).get_data(as_text=True)
    assert "Putaran pagi · 1 dari 2 titik" in page
    assert "di luar urutan" in page
    assert "berikutnya, sebelum" in page


def test_coverage_report_shows_rounds_and_missed_checkpoints(round_day, client, create_user, login):
    login(client, create_user("admin"))
    day = T0.astimezone(WIB).date()
    response = client.get(
        "/admin/laporan/cakupan",
        query_string={
            "start": (day - timedelta(days=1)).isoformat(),
            "end": (day + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Putaran selesai per petugas" in text
    # Taman Merbabu: 3 checkpoints missed; the round was completed 2 of 4 times in 1 shift.
    assert "<td>Taman Merbabu</td><td>3</td>" in text
    assert "<td>1</td><td>2</td><td>4</td><td>50</td>" in text
