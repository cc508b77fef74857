"""Admins put officers on shifts in zones; overlapping shifts are refused with the clash named."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import MAX_SHIFT, MAX_SHIFT_HOURS, Assignment, AuditEvent
from patrol.rules.timeutil import WIB
from patrol.services.errors import ValidationError
from patrol.services.shifts import create_shifts, shift_window

# Far enough ahead that booking it never needs the past-shift confirmation.
DAY = date(2037, 12, 1)


def wib(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), WIB).astimezone(timezone.utc)


def shift_data(officer, zone, **overrides):
    data = {
        "officer_id": str(officer.id),
        "zone_id": str(zone.id),
        "day": DAY.isoformat(),
        "starts_at": "07:00",
        "ends_at": "15:00",
        "repeat_days": "1",
    }
    data.update(overrides)
    return data


def count_shifts() -> int:
    return db.session.scalar(sa.select(sa.func.count(Assignment.id)))


def test_admin_books_an_officer_in_wib_and_it_is_audited(
    admin_client, admin, create_user, create_zone
):
    officer, zone = create_user("officer"), create_zone(name="Alun-Alun Merdeka")
    page = admin_client.get("/admin/shift/baru")
    assert page.status_code == 200 and officer.full_name in page.text
    response = admin_client.post("/admin/shift/baru", data=shift_data(officer, zone))
    assert response.status_code == 302
    shift = db.session.scalar(sa.select(Assignment))
    # 07:00 WIB is midnight UTC.
    assert shift.starts_at == datetime(2037, 12, 1, 0, 0, tzinfo=timezone.utc)
    assert shift.ends_at == datetime(2037, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert shift.created_by_id == admin.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "assignment"))
    assert event.action == "create" and event.after["zone_id"] == zone.id


def test_night_shift_ends_the_next_morning():
    starts_at, ends_at = shift_window(DAY, time(19, 0), time(7, 0))
    assert ends_at - starts_at == timedelta(hours=12)
    assert ends_at == wib(DAY + timedelta(days=1), 7)


def test_repeat_books_the_same_window_on_following_days(admin_client, create_user, create_zone):
    officer, zone = create_user("officer"), create_zone()
    response = admin_client.post(
        "/admin/shift/baru", data=shift_data(officer, zone, repeat_days="5")
    )
    assert response.status_code == 302
    starts = db.session.scalars(sa.select(Assignment.starts_at).order_by(Assignment.starts_at))
    assert list(starts) == [wib(DAY + timedelta(days=n), 7) for n in range(5)]


@pytest.mark.parametrize(
    ("start", "end"),
    [("07:00", "15:00"), ("14:59", "20:00"), ("06:00", "07:01"), ("08:00", "09:00")],
)
def test_overlapping_shift_is_refused_and_the_error_names_the_clash(
    admin_client, create_user, create_zone, create_assignment, start, end
):
    officer = create_user("officer", full_name="Budi Santoso")
    create_assignment(officer, create_zone(name="Taman Trunojoyo"), starts_at=wib(DAY, 7), hours=8)
    other_zone = create_zone(name="Taman Slamet")
    response = admin_client.post(
        "/admin/shift/baru", data=shift_data(officer, other_zone, starts_at=start, ends_at=end)
    )
    assert response.status_code == 422
    assert "Bentrok: Budi Santoso sudah dijadwalkan di Taman Trunojoyo" in response.text
    assert "07.00" in response.text or "07:00" in response.text
    assert count_shifts() == 1


def test_back_to_back_shifts_do_not_clash(
    admin_client, create_user, create_zone, create_assignment
):
    officer, zone = create_user("officer"), create_zone()
    create_assignment(officer, zone, starts_at=wib(DAY, 7), hours=8)
    response = admin_client.post(
        "/admin/shift/baru", data=shift_data(officer, zone, starts_at="15:00", ends_at="23:00")
    )
    assert response.status_code == 302
    assert count_shifts() == 2


def test_a_clash_on_a_later_day_of_a_repeat_saves_nothing(
    admin_client, create_user, create_zone, create_assignment
):
    officer, zone = create_user("officer"), create_zone(name="Taman Merbabu")
    create_assignment(officer, zone, starts_at=wib(DAY + timedelta(days=3), 10), hours=2)
    response = admin_client.post(
        "/admin/shift/baru", data=shift_data(officer, zone, repeat_days="7")
    )
    assert response.status_code == 422
    assert "Taman Merbabu" in response.text
    assert count_shifts() == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_another_officer_may_share_the_window(
    admin_client, create_user, create_zone, create_assignment
):
    zone = create_zone()
    create_assignment(create_user("officer"), zone, starts_at=wib(DAY, 7), hours=8)
    response = admin_client.post("/admin/shift/baru", data=shift_data(create_user("officer"), zone))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"repeat_days": "0"}, "Ulangi antara 1 dan 31 hari."),
        ({"repeat_days": "32"}, "Ulangi antara 1 dan 31 hari."),
        ({"starts_at": "06:00", "ends_at": "23:00"}, "Satu shift paling lama 16 jam."),
        ({"day": ""}, "Wajib diisi."),
        ({"starts_at": ""}, "Wajib diisi."),
    ],
)
def test_bad_shift_input_is_refused_in_place(
    admin_client, create_user, create_zone, overrides, message
):
    response = admin_client.post(
        "/admin/shift/baru", data=shift_data(create_user("officer"), create_zone(), **overrides)
    )
    assert response.status_code == 422
    assert message in response.text
    assert count_shifts() == 0


def test_only_active_officers_and_zones_can_be_booked(admin_client, create_user, create_zone):
    guard, zone = create_user("guard"), create_zone()
    response = admin_client.post("/admin/shift/baru", data=shift_data(guard, zone))
    assert response.status_code == 422 and "Pilih petugas patroli." in response.text
    retired = create_user("officer", active=False)
    response = admin_client.post("/admin/shift/baru", data=shift_data(retired, zone))
    assert response.status_code == 422 and "dinonaktifkan" in response.text
    closed = create_zone(active=False)
    response = admin_client.post("/admin/shift/baru", data=shift_data(create_user(), closed))
    assert response.status_code == 422 and "Pilih zona yang aktif." in response.text
    assert count_shifts() == 0


def test_service_refuses_overlap_within_one_transaction(app, admin, create_user, create_zone):
    officer, zone = create_user("officer"), create_zone()
    create_shifts(admin.id, officer.id, zone.id, DAY, time(7), time(15))
    with pytest.raises(ValidationError) as refused:
        create_shifts(admin.id, officer.id, zone.id, DAY, time(12), time(18))
    assert refused.value.field == "starts_at"
    db.session.rollback()


def test_copy_a_day_to_another_day(admin_client, create_user, create_zone, create_assignment):
    zone = create_zone(name="Taman Kunang-Kunang")
    a, b = create_user("officer"), create_user("officer")
    create_assignment(a, zone, starts_at=wib(DAY, 7), hours=8)
    create_assignment(b, zone, starts_at=wib(DAY, 19), hours=12)
    target = DAY + timedelta(days=7)
    response = admin_client.post(
        "/admin/shift/salin",
        data={"source": DAY.isoformat(), "target": target.isoformat(), "copy_zone_id": "0"},
    )
    assert response.status_code == 302
    copied = db.session.scalars(
        sa.select(Assignment).where(Assignment.starts_at >= wib(target, 0))
    ).all()
    assert sorted((s.officer_id, s.starts_at, s.ends_at) for s in copied) == [
        (a.id, wib(target, 7), wib(target, 15)),
        (b.id, wib(target, 19), wib(target + timedelta(days=1), 7)),
    ]


def test_copying_onto_a_busy_day_names_the_clash_and_copies_nothing(
    admin_client, create_user, create_zone, create_assignment
):
    officer = create_user("officer", full_name="Siti Aminah")
    create_assignment(officer, create_zone(name="Taman A"), starts_at=wib(DAY, 7), hours=8)
    create_assignment(create_user("officer"), create_zone(), starts_at=wib(DAY, 7), hours=8)
    target = DAY + timedelta(days=1)
    create_assignment(officer, create_zone(name="Taman B"), starts_at=wib(target, 10), hours=2)
    response = admin_client.post(
        "/admin/shift/salin",
        data={"source": DAY.isoformat(), "target": target.isoformat(), "copy_zone_id": "0"},
    )
    assert response.status_code == 422
    assert "Bentrok: Siti Aminah sudah dijadwalkan di Taman B" in response.text
    assert count_shifts() == 3


def test_copying_an_empty_day_says_so(admin_client):
    response = admin_client.post(
        "/admin/shift/salin",
        data={"source": DAY.isoformat(), "target": "2037-12-02", "copy_zone_id": "0"},
    )
    assert response.status_code == 422
    assert "Tidak ada shift pada hari sumber." in response.text


def test_day_and_week_views_per_zone_and_per_officer(
    admin_client, create_user, create_zone, create_assignment
):
    tugu, merdeka = create_zone(name="Alun-Alun Tugu"), create_zone(name="Alun-Alun Merdeka")
    budi, siti = create_user("officer", full_name="Budi"), create_user("officer", full_name="Siti")
    create_assignment(budi, tugu, starts_at=wib(DAY, 7), hours=8)
    create_assignment(siti, merdeka, starts_at=wib(DAY + timedelta(days=2), 7), hours=8)

    day = admin_client.get(f"/admin/shift?tanggal={DAY}&zona={tugu.id}").text
    assert "Budi" in day and "Siti</a>" not in day
    day_other = admin_client.get(f"/admin/shift?tanggal={DAY}&zona={merdeka.id}").text
    assert "Tidak ada shift." in day_other

    week = admin_client.get(f"/admin/shift?tampilan=minggu&tanggal={DAY}").text
    assert week.count('class="schedule-day"') == 7
    assert "Budi</a>" in week and "Siti</a>" in week

    officer_week = admin_client.get(f"/admin/shift?tampilan=minggu&tanggal={DAY}&petugas={siti.id}")
    assert "Siti</a>" in officer_week.text and "Budi</a>" not in officer_week.text


def test_night_shift_shows_on_both_days(admin_client, create_user, create_zone, create_assignment):
    create_assignment(
        create_user("officer", full_name="Joko"), create_zone(), starts_at=wib(DAY, 19), hours=12
    )
    next_day = admin_client.get(f"/admin/shift?tanggal={DAY + timedelta(days=1)}").text
    assert "Joko</a>" in next_day


def test_deleting_a_shift_is_audited(admin_client, create_user, create_zone, create_assignment):
    shift = create_assignment(create_user("officer"), create_zone())
    assert admin_client.post(f"/admin/shift/{shift.id}/hapus").status_code == 302
    assert count_shifts() == 0
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.action == "delete" and event.before["zone_id"] == shift.zone_id


def test_a_shift_in_the_past_needs_an_explicit_confirmation(admin_client, create_user, create_zone):
    officer, zone = create_user("officer"), create_zone()
    yesterday = (datetime.now(WIB) - timedelta(days=1)).date().isoformat()
    data = shift_data(officer, zone, day=yesterday)
    response = admin_client.post("/admin/shift/baru", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "sudah lewat dan akan langsung tercatat terlewat" in page
    assert 'name="confirm_past"' in page
    assert count_shifts() == 0
    response = admin_client.post("/admin/shift/baru", data={**data, "confirm_past": "y"})
    assert response.status_code == 302 and count_shifts() == 1


def test_a_shift_starting_a_minute_from_now_needs_no_confirmation(
    admin_client, create_user, create_zone
):
    soon = datetime.now(WIB) + timedelta(minutes=2)
    data = shift_data(
        create_user("officer"),
        create_zone(),
        day=soon.date().isoformat(),
        starts_at=soon.strftime("%H:%M"),
        ends_at=(soon + timedelta(hours=1)).strftime("%H:%M"),
    )
    assert 'name="confirm_past"' not in admin_client.get("/admin/shift/baru").text
    assert admin_client.post("/admin/shift/baru", data=data).status_code == 302


def test_copying_shifts_onto_a_past_day_needs_a_confirmation(
    admin_client, create_user, create_zone, create_assignment
):
    create_assignment(create_user("officer"), create_zone(), starts_at=wib(DAY, 7), hours=8)
    past = (datetime.now(WIB) - timedelta(days=2)).date().isoformat()
    data = {"source": DAY.isoformat(), "target": past, "copy_zone_id": "0"}
    response = admin_client.post("/admin/shift/salin", data=data)
    assert response.status_code == 422 and 'name="copy_confirm_past"' in response.text
    assert count_shifts() == 1
    response = admin_client.post("/admin/shift/salin", data={**data, "copy_confirm_past": "y"})
    assert response.status_code == 302 and count_shifts() == 2


def test_a_period_finds_its_longest_shifts_by_the_bounded_start(
    create_user, create_zone, create_assignment
):
    """Assignment.overlapping / running_at bound starts_at by MAX_SHIFT (for the index); a
    shift of the longest allowed length is still found at either end of a period."""
    officer, zone = create_user("officer"), create_zone()
    since = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
    until = since + timedelta(days=7)
    longest = create_assignment(
        officer, zone, starts_at=since - MAX_SHIFT + timedelta(minutes=1), hours=MAX_SHIFT_HOURS
    )
    create_assignment(
        officer, zone, starts_at=since - MAX_SHIFT, hours=MAX_SHIFT_HOURS
    )  # ends at since
    last = create_assignment(officer, zone, starts_at=until - timedelta(minutes=1), hours=1)
    create_assignment(officer, zone, starts_at=until, hours=1)  # starts at until

    found = db.session.scalars(
        sa.select(Assignment.id).where(Assignment.overlapping(since, until)).order_by(Assignment.id)
    ).all()
    assert found == [longest.id, last.id]
    on_at_since = db.session.scalars(sa.select(Assignment.id).where(Assignment.running_at(since)))
    assert list(on_at_since) == [longest.id]
