"""Shifts: the officer's day, and the admin's planning (book, repeat, copy, views)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import MAX_SHIFT_HOURS, Assignment, User, Zone
from patrol.rules.timeutil import WIB, wib_day_bounds
from patrol.services import audit
from patrol.services.errors import ValidationError
from patrol.web.i18n import wib, wib_time


@dataclass
class OfficerDay:
    current: Assignment | None
    upcoming: list[Assignment]


_OFFICER_DAY = (
    sa.select(Assignment)
    .options(joinedload(Assignment.zone))
    .where(
        Assignment.officer_id == sa.bindparam("officer_id"),
        Assignment.ends_at > sa.bindparam("now"),
    )
    .order_by(Assignment.starts_at)
    .limit(sa.bindparam("rows", type_=sa.Integer))
)  # built once: every officer page asks it (docs/decisions.md: statements built once)


def officer_day(officer_id: int, now: datetime, limit: int = 3) -> OfficerDay:
    """The shift an officer is on now, and the next few to come."""
    rows = db.session.scalars(
        _OFFICER_DAY, {"officer_id": officer_id, "now": now, "rows": limit + 1}
    ).all()
    current = next((a for a in rows if a.starts_at <= now), None)
    upcoming = [a for a in rows if a is not current][:limit]
    return OfficerDay(current=current, upcoming=upcoming)


# Planning ----------------------------------------------------------------------------

MAX_REPEAT_DAYS = 31


def snapshot(shift: Assignment) -> dict:
    """The audited fields of a shift, as plain values."""
    return {
        "officer_id": shift.officer_id,
        "zone_id": shift.zone_id,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }


def shift_window(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A WIB wall-clock window as UTC instants; an end at or before the start is the next day."""
    starts_at = datetime.combine(day, start, WIB).astimezone(timezone.utc)
    end_day = day if end > start else day + timedelta(days=1)
    ends_at = datetime.combine(end_day, end, WIB).astimezone(timezone.utc)
    return starts_at, ends_at


def _clash_message(clash: Assignment) -> str:
    return _(
        "Bentrok: %(officer)s sudah dijadwalkan di %(zone)s pada %(start)s – %(end)s.",
        officer=clash.officer.full_name,
        zone=clash.zone.name,
        start=wib(clash.starts_at),
        end=wib_time(clash.ends_at),
    )


def find_clash(
    officer_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None
) -> Assignment | None:
    """An existing shift of the officer that overlaps the window, if any."""
    query = sa.select(Assignment).where(
        Assignment.officer_id == officer_id,
        Assignment.overlapping(starts_at, ends_at),
    )
    if exclude_id is not None:
        query = query.where(Assignment.id != exclude_id)
    return db.session.scalars(query.order_by(Assignment.starts_at).limit(1)).first()


def _lock_officer(officer_id: int) -> User:
    """The officer, row-locked so that two admins cannot book overlapping shifts at once."""
    officer = db.session.scalar(sa.select(User).where(User.id == officer_id).with_for_update())
    if officer is None or officer.role != "officer":
        raise ValidationError(_("Pilih petugas patroli."), "officer_id")
    if not officer.active:
        raise ValidationError(
            _("%(name)s sudah dinonaktifkan.", name=officer.full_name), "officer_id"
        )
    return officer


def _book(actor_id: int, officer_id: int, zone_id: int, starts_at, ends_at) -> Assignment:
    clash = find_clash(officer_id, starts_at, ends_at)
    if clash is not None:
        raise ValidationError(_clash_message(clash), "starts_at")
    shift = Assignment(
        officer_id=officer_id,
        zone_id=zone_id,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by_id=actor_id,
    )
    db.session.add(shift)
    db.session.flush()
    audit.record(actor_id, "create", "assignment", shift.id, None, snapshot(shift))
    return shift


def refuse_unconfirmed_past(starts_at: datetime, now: datetime | None, field: str) -> None:
    """A shift that has already started needs the admin's explicit confirmation
    (docs/alerts.md): without it, raise ValidationError on ``field``."""
    if starts_at < (now or datetime.now(timezone.utc)):
        raise ValidationError(
            _(
                "Shift mulai %(start)s sudah lewat dan akan langsung tercatat terlewat. "
                "Centang konfirmasi bila memang sengaja.",
                start=wib(starts_at),
            ),
            field,
        )


def create_shifts(
    actor_id: int,
    officer_id: int,
    zone_id: int,
    day: date,
    start: time,
    end: time,
    repeat_days: int = 1,
    allow_past: bool = True,
    now: datetime | None = None,
) -> list[Assignment]:
    """Book an officer into a zone for a WIB window on ``repeat_days`` consecutive days.

    All or nothing: a clash on any day raises ValidationError naming it, and the caller
    rolls back.
    """
    if not 1 <= repeat_days <= MAX_REPEAT_DAYS:
        raise ValidationError(
            _("Ulangi antara 1 dan %(n)d hari.", n=MAX_REPEAT_DAYS), "repeat_days"
        )
    zone = db.session.get(Zone, zone_id) if zone_id else None
    if zone is None or not zone.active:
        raise ValidationError(_("Pilih zona yang aktif."), "zone_id")
    starts_at, ends_at = shift_window(day, start, end)
    if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        raise ValidationError(_("Satu shift paling lama %(n)d jam.", n=MAX_SHIFT_HOURS), "ends_at")
    if not allow_past:
        refuse_unconfirmed_past(starts_at, now, "confirm_past")
    _lock_officer(officer_id)
    shifts = []
    for n in range(repeat_days):
        offset = timedelta(days=n)
        shifts.append(_book(actor_id, officer_id, zone_id, starts_at + offset, ends_at + offset))
    return shifts


def copy_day(
    actor_id: int,
    source: date,
    target: date,
    zone_id: int | None = None,
    allow_past: bool = True,
    now: datetime | None = None,
) -> int:
    """Copy every shift that starts on one WIB day (optionally in one zone) to another day."""
    if source == target:
        raise ValidationError(_("Pilih hari tujuan yang berbeda."), "target")
    start, end = wib_day_bounds(source)
    query = sa.select(Assignment).where(Assignment.starts_at >= start, Assignment.starts_at < end)
    if zone_id is not None:
        query = query.where(Assignment.zone_id == zone_id)
    originals = list(db.session.scalars(query.order_by(Assignment.starts_at)))
    if not originals:
        raise ValidationError(_("Tidak ada shift pada hari sumber."), "source")
    # Same wall-clock times: WIB has no daylight saving, so a whole-day shift is exact.
    offset = datetime.combine(target, time()) - datetime.combine(source, time())
    if not allow_past:
        refuse_unconfirmed_past(originals[0].starts_at + offset, now, "copy_confirm_past")
    for officer_id in sorted({a.officer_id for a in originals}):
        _lock_officer(officer_id)
    for original in originals:
        _book(
            actor_id,
            original.officer_id,
            original.zone_id,
            original.starts_at + offset,
            original.ends_at + offset,
        )
    return len(originals)


def delete_shift(actor_id: int, shift: Assignment) -> None:
    """Remove a planned shift (visits keep their own record of it)."""
    audit.record(actor_id, "delete", "assignment", shift.id, snapshot(shift), None)
    db.session.delete(shift)
    db.session.flush()


@dataclass
class Schedule:
    days: list[date]
    shifts_by_day: dict[date, list[Assignment]]


def schedule(
    first_day: date, days: int, zone_id: int | None = None, officer_id: int | None = None
) -> Schedule:
    """Shifts that touch each WIB day of a range, for one zone or one officer (or all)."""
    start, _end = wib_day_bounds(first_day)
    end = start + timedelta(days=days)
    query = (
        sa.select(Assignment)
        .options(joinedload(Assignment.zone), joinedload(Assignment.officer))
        .where(Assignment.overlapping(start, end))
        .order_by(Assignment.starts_at)
    )
    if zone_id is not None:
        query = query.where(Assignment.zone_id == zone_id)
    if officer_id is not None:
        query = query.where(Assignment.officer_id == officer_id)
    all_days = [first_day + timedelta(days=n) for n in range(days)]
    by_day: dict[date, list[Assignment]] = {d: [] for d in all_days}
    for shift in db.session.scalars(query):
        for d in all_days:
            d_start, d_end = wib_day_bounds(d)
            if shift.starts_at < d_end and shift.ends_at > d_start:
                by_day[d].append(shift)
    return Schedule(days=all_days, shifts_by_day=by_day)
