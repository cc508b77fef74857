"""The check-in report over its hourly summary: kept at check-in time, equal to a rebuild."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CheckIn, CheckinHour, Office
from patrol.rules.timeutil import WIB
from patrol.services import checkins as checkin_service
from patrol.services.occupancy_hours import rebuild_checkin_hours

WEEK = {"start": "2026-11-02", "end": "2026-11-08"}


def wib(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=WIB).astimezone(timezone.utc)


class Clock:
    """The services' clock, moved by the test (check-in, check-out, closing, turn-away)."""

    def __init__(self) -> None:
        self.now = wib(3, 8)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(checkin_service, "utcnow", moved)
    return moved


def summary() -> dict:
    db.session.expire_all()
    return {
        (row.office_id, row.hour_start): (row.checkins, row.peak_inside)
        for row in db.session.scalars(sa.select(CheckinHour))
    }


def rebuilt() -> dict:
    rebuild_checkin_hours()
    db.session.commit()
    return summary()


@pytest.fixture
def day_at_the_office(
    app, clock, client, create_user, create_office, create_guard_post, login, visitor_form
):
    """Balai Kota on Tuesday 3 November: phones, a guard, a retry, check-outs, two refusals;
    Kantor Klojen: one visitor on the 4th."""
    office = create_office(name="Balai Kota Malang", capacity=50)
    other = create_office(name="Kantor Kecamatan Klojen", capacity=20)
    guard = create_user("guard", full_name="Pak Satpam")
    create_guard_post(guard, office)
    login(client, guard)
    door = f"/c/{office.entrances[0].token}"
    board = f"/jaga/kantor/{office.id}"
    phones = [app.test_client() for _ in range(4)]

    def at(hour: int, minute: int, second: int = 0) -> None:
        clock.now = wib(3, hour, minute, second)

    at(9, 0)
    first = visitor_form(name="Ani")
    assert phones[0].post(door, data=first).status_code == 302
    at(9, 0, 5)
    phones[0].post(door, data=first)  # the same form again: a retry, not a second visitor
    at(9, 10)
    phones[1].post(door, data=visitor_form(name="Budi"))
    at(9, 20)
    assert phones[0].post("/c/keluar").status_code in (200, 302)  # Ani leaves
    at(9, 30)
    phones[2].post(door, data=visitor_form(name="Cici"))  # inside: Budi, Cici
    at(9, 40)
    walk_in = {"client_uuid": str(uuid.uuid4()), "name": "Dedi", "reason": "Menolak masker"}
    assert client.post(f"{board}/tolak", data=walk_in).status_code in (200, 302)
    at(10, 5)
    manual = visitor_form(name="Mbah Sarmi", phone="", purpose="")
    assert client.post(f"{board}/masuk", data=manual).status_code in (200, 302)  # 3 inside
    at(10, 15)
    for name in ("Budi", "Cici"):
        stay = db.session.scalar(sa.select(CheckIn).where(CheckIn.visitor_name == name))
        client.post(f"{board}/keluar/{stay.id}")
    at(10, 30)
    phones[3].post(door, data=visitor_form(name="Eko"))  # inside: Mbah Sarmi, Eko
    at(10, 45)
    eko = db.session.scalar(sa.select(CheckIn).where(CheckIn.visitor_name == "Eko"))
    refusal = {"client_uuid": str(uuid.uuid4()), "short_code": eko.short_code, "reason": "Demam"}
    client.post(f"{board}/tolak", data=refusal)  # Eko no longer counts
    clock.now = wib(4, 13)
    app.test_client().post(f"/c/{other.entrances[0].token}", data=visitor_form(name="Fajar"))
    return office, other


@pytest.fixture
def admin_client(app, create_user, login):
    admin = app.test_client()
    login(admin, create_user("admin"))
    return admin


def test_report_counts_each_admitted_check_in_once_and_the_true_peak(
    admin_client, day_at_the_office
):
    office, other = day_at_the_office
    assert summary() == {
        (office.id, wib(3, 9)): (3, 2),  # Ani (once), Budi, Cici; Ani left before Cici came
        (office.id, wib(3, 10)): (1, 3),  # Mbah Sarmi; Eko came and was turned away
        (other.id, wib(4, 13)): (1, 1),
    }
    page = admin_client.get("/admin/laporan/kunjungan-kantor", query_string=WEEK)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-figure="total">5<' in text
    assert "<td>Balai Kota Malang</td><td>3</td><td>50</td>" in text
    assert "<td>Kantor Kecamatan Klojen</td><td>1</td><td>20</td>" in text
    balai = text.split("Check-in per jam: Balai Kota Malang")[1].split("</section>")[0]
    assert "<td>09.00</td><td>3</td>" in balai and "<td>10.00</td><td>1</td>" in balai
    only = admin_client.get(
        "/admin/laporan/kunjungan-kantor", query_string=WEEK | {"office_id": other.id}
    ).get_data(as_text=True)
    body = only.split('id="report-body"')[1]
    assert 'data-figure="total">1<' in body and "Balai Kota Malang</td>" not in body
    # Outside the period nothing is counted.
    empty = admin_client.get(
        "/admin/laporan/kunjungan-kantor", query_string={"start": "2026-11-05", "end": "2026-11-08"}
    ).get_data(as_text=True)
    assert 'data-figure="total">0<' in empty


def test_summary_kept_at_check_in_equals_a_rebuild(day_at_the_office):
    kept = summary()
    assert rebuilt() == kept


def test_random_check_ins_and_outs_keep_the_summary_equal_to_a_rebuild(
    app, clock, create_office, create_user
):
    rng = random.Random(20261127)
    offices = [create_office(capacity=30), create_office(capacity=10, closes_at=time(12, 0))]
    guard = create_user("guard")
    inside: list[CheckIn] = []
    clock.now = wib(3, 6, 30)
    for _ in range(240):
        clock.now += timedelta(minutes=rng.randint(1, 25), seconds=rng.randint(0, 59))
        office = rng.choice(offices)
        roll = rng.random()
        if roll < 0.55:
            client_uuid = str(uuid.uuid4())
            checkin = checkin_service.check_in(office, office.entrances[0], client_uuid)
            if rng.random() < 0.2:  # the phone retries
                again = checkin_service.check_in(office, office.entrances[0], client_uuid)
                assert again.id == checkin.id
            inside.append(checkin)
        elif roll < 0.62:
            checkin_service.turn_away(office, guard.id, str(uuid.uuid4()), "Demam", name="Tamu")
        elif roll < 0.97 and inside:
            checkin_service.check_out(inside.pop(rng.randrange(len(inside))), "self")
        elif rng.random() < 0.5:
            # Closing time applied late (nobody opened the board): leaves at closing.
            checkin_service.close_offices()
        db.session.commit()
    kept = summary()
    hours = {hour for _office, hour in kept}
    assert len(kept) > 20 and len({h.astimezone(WIB).date() for h in hours}) >= 3
    assert sum(n for n, _peak in kept.values()) == db.session.scalar(
        sa.select(sa.func.count(CheckIn.id)).where(CheckIn.status == "admitted")
    )
    assert max(peak for _n, peak in kept.values()) >= 3
    assert rebuilt() == kept
    # A rebuild from a later hour on leaves the earlier hours and gives the same figures.
    middle = sorted(hours)[len(hours) // 2]
    db.session.execute(sa.update(CheckinHour).values(checkins=0, peak_inside=0))
    rebuild_checkin_hours(since=middle + timedelta(minutes=20))
    db.session.commit()
    partly = summary()
    assert {k: v for k, v in partly.items() if k[1] >= middle} == {
        k: v for k, v in kept.items() if k[1] >= middle
    }
    assert all(partly[k] == (0, 0) for k in kept if k[1] < middle)


def test_cli_rebuilds_the_summary_from_a_day_on(runner, day_at_the_office):
    office, other = day_at_the_office
    kept = summary()
    db.session.execute(sa.delete(CheckinHour))
    db.session.commit()
    result = runner.invoke(args=["rebuild-checkin-hours", "--since", "2026-11-04"])
    assert result.exit_code == 0, result.output
    assert "1 office-hours" in result.output
    assert summary() == {(other.id, wib(4, 13)): (1, 1)}
    result = runner.invoke(args=["rebuild-checkin-hours"])
    assert result.exit_code == 0 and "3 office-hours" in result.output
    assert summary() == kept
    bad = runner.invoke(args=["rebuild-checkin-hours", "--since", "4 November"])
    assert bad.exit_code != 0 and "--since" in bad.output


def test_a_retry_racing_the_first_request_is_counted_once(app, create_office, monkeypatch):
    office = create_office()
    client_uuid = str(uuid.uuid4())
    checkin_service.check_in(office, None, client_uuid, now=wib(3, 9))
    db.session.commit()
    # The retry looked before the first had committed (it saw no row), then hit the
    # unique key: it returns the first check-in and must not count again.
    real_lookup = checkin_service._by_uuid
    calls = []

    def late_lookup(uuid_):
        calls.append(uuid_)
        return None if len(calls) == 1 else real_lookup(uuid_)

    monkeypatch.setattr(checkin_service, "_by_uuid", late_lookup)
    checkin_service.check_in(office, None, client_uuid, now=wib(3, 9, 1))
    db.session.commit()
    assert len(calls) == 2
    assert summary() == {(office.id, wib(3, 9)): (1, 1)}


def test_simultaneous_check_ins_through_separate_connections_all_count(app, create_office):
    office_id = create_office(capacity=100).id
    at = wib(3, 9, 30)
    n = 3  # the pool holds 4 connections (DB_POOL_SIZE + DB_MAX_OVERFLOW)
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                office = db.session.get(Office, office_id)
                start.wait(timeout=10)
                checkin_service.check_in(office, None, str(uuid.uuid4()), now=at)
                db.session.commit()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    [(checkins, peak)] = summary().values()
    # The count is an increment under the row's lock: exact. The peak may miss check-ins
    # whose transactions overlapped (PostgreSQL), never more than there were.
    assert checkins == n and 1 <= peak <= n
    assert rebuilt() == {(office_id, at.replace(minute=0)): (n, n)}
