"""An officer's visit to a zone: started and ended with GPS, closed when its shift ends."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import Assignment, Visit, Zone
from patrol.rules.timeutil import utcnow
from patrol.services import records
from patrol.services.errors import ValidationError
from patrol.services.positions import gps_columns


def open_visit(officer_id: int) -> Visit | None:
    """The officer's visit still in progress, if any."""
    return db.session.scalar(
        sa.select(Visit)
        .options(joinedload(Visit.zone))
        .where(Visit.officer_id == officer_id, Visit.ended_at.is_(None))
        .order_by(Visit.started_at.desc())
        .limit(1)
    )


def visit_deadline(visit: Visit) -> datetime:
    """When the system closes a visit left open: the end of its shift, else a maximum span."""
    if visit.assignment is not None:
        return visit.assignment.ends_at
    return visit.started_at + timedelta(hours=current_app.config["VISIT_MAX_HOURS"])


def close_overdue_visits(now: datetime | None = None, officer_id: int | None = None) -> int:
    """Close visits left open past the end of their shift (closed_by="system"); return how many."""
    now = now or utcnow()
    query = (
        sa.select(Visit)
        .options(joinedload(Visit.assignment))
        .where(Visit.ended_at.is_(None), Visit.started_at <= now)
    )
    if officer_id is not None:
        query = query.where(Visit.officer_id == officer_id)
    closed = sum(_close_if_overdue(visit, now) for visit in db.session.scalars(query))
    db.session.flush()
    return closed


_OPEN_VISITS = (
    sa.select(Visit)
    .options(joinedload(Visit.assignment), joinedload(Visit.zone))
    .where(Visit.officer_id == sa.bindparam("officer_id"), Visit.ended_at.is_(None))
    .order_by(Visit.started_at.desc())
)  # built once: every officer home asks it (docs/decisions.md: statements built once)


def settle_open_visit(officer_id: int, now: datetime) -> tuple[Visit | None, int]:
    """The officer's visit in progress, after closing any left open past its deadline.

    The officer's home page needs both; one query serves them (an officer has at most a
    few open visits, normally one). Returns (the open visit or None, how many were closed).
    """
    visits = db.session.scalars(_OPEN_VISITS, {"officer_id": officer_id}).all()
    closed = sum(_close_if_overdue(visit, now) for visit in visits if visit.started_at <= now)
    if closed:
        db.session.flush()
    return next((visit for visit in visits if visit.ended_at is None), None), closed


def _close_if_overdue(visit: Visit, now: datetime) -> bool:
    deadline = visit_deadline(visit)
    if deadline > now:
        return False
    visit.ended_at = max(deadline, visit.started_at)
    visit.closed_by = "system"
    visit.end_geofence = "no_gps"
    visit.end_gps_note = "shift_ended"
    return True


def _shift_for(officer_id: int, zone_id: int, at: datetime) -> Assignment | None:
    return db.session.scalar(
        sa.select(Assignment)
        .where(
            Assignment.officer_id == officer_id,
            Assignment.zone_id == zone_id,
            Assignment.running_at(at),
        )
        .limit(1)
    )


def start_visit(
    officer_id: int,
    zone_id: int,
    uuid: str | None,
    gps: GpsFix,
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """Start a visit in a zone with the GPS verdict; the same UUID again returns that visit."""
    now = now or utcnow()
    client_uuid = records.client_uuid(uuid)
    existing = records.find_by_uuid(Visit, client_uuid)
    if existing is not None:
        return own_visit(existing, officer_id)
    started_at = records.recorded_time(started_at, now)
    zone = db.session.get(Zone, zone_id) if isinstance(zone_id, int) else None
    if zone is None or not zone.active:
        raise ValidationError(_("Zona tidak dikenal atau tidak aktif."), "zone_id")
    close_overdue_visits(now, officer_id)
    current = open_visit(officer_id)
    if current is not None:
        raise ValidationError(
            _(
                "Kunjungan di %(zone)s masih berjalan. Selesaikan dulu sebelum memulai yang baru.",
                zone=current.zone.name,
            ),
            "zone_id",
        )
    fix = gps_columns(zone, gps)
    shift = _shift_for(officer_id, zone.id, started_at)
    visit = Visit(
        uuid=client_uuid,
        officer_id=officer_id,
        zone_id=zone.id,
        assignment_id=shift.id if shift else None,
        unscheduled=shift is None,
        started_at=started_at,
        start_lat=fix["lat"],
        start_lon=fix["lon"],
        start_accuracy_m=fix["accuracy_m"],
        start_geofence=fix["geofence"],
        start_distance_m=fix["distance_m"],
        start_gps_note=fix["gps_note"],
    )
    visit, _created = records.record_once(Visit, visit)
    return own_visit(visit, officer_id)


def own_visit(visit: Visit, officer_id: int) -> Visit:
    """The visit, when it is this officer's; a clear message when it is not."""
    if visit.officer_id != officer_id:
        raise ValidationError(_("Kunjungan ini milik petugas lain."), "visit_uuid")
    return visit


def visit_key(visit_uuid) -> str:
    """A visit UUID as it is stored (and as a sync batch keys its look-ups)."""
    return str(visit_uuid or "").strip().lower()


def visit_for(officer_id: int, visit_uuid: str) -> Visit:
    """The officer's own visit with this UUID; a clear message when it is not theirs."""
    key = visit_key(visit_uuid)
    visit = records.cached(
        "Visit", key, lambda: db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    )
    if visit is None:
        raise ValidationError(_("Kunjungan tidak ditemukan."), "visit_uuid")
    return own_visit(visit, officer_id)


def end_visit(
    officer_id: int,
    visit_uuid: str,
    gps: GpsFix,
    end_uuid: str | None = None,
    ended_at: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """End a visit with a last GPS fix; ending it again (same end UUID) changes nothing."""
    now = now or utcnow()
    visit = visit_for(officer_id, visit_uuid)
    end_uuid = records.client_uuid(end_uuid) if end_uuid else None
    if not visit.is_open:
        if end_uuid is not None and visit.end_uuid == end_uuid:
            return visit
        raise ValidationError(_("Kunjungan ini sudah selesai."), "visit_uuid")
    ended_at = records.recorded_time(ended_at, now)
    if ended_at < visit.started_at:
        raise ValidationError(_("Waktu selesai sebelum waktu mulai."), "ended_at")
    fix = gps_columns(visit.zone, gps)
    visit.ended_at = ended_at
    visit.closed_by = "officer"
    visit.end_uuid = end_uuid
    visit.end_lat = fix["lat"]
    visit.end_lon = fix["lon"]
    visit.end_accuracy_m = fix["accuracy_m"]
    visit.end_geofence = fix["geofence"]
    visit.end_distance_m = fix["distance_m"]
    visit.end_gps_note = fix["gps_note"]
    db.session.flush()
    return visit


def writable_visit(officer_id: int, visit_uuid: str, recorded_at: datetime) -> Visit:
    """A visit an entry may be added to: the officer's, and open at the entry's time."""
    visit = visit_for(officer_id, visit_uuid)
    # recorded_at is bounded (years 2000 to 2100); a stored start may not be (year 1).
    if recorded_at + records.CLOCK_SKEW < visit.started_at:
        raise ValidationError(_("Waktu pencatatan sebelum kunjungan dimulai."), "recorded_at")
    # An offline entry made before the visit ended may arrive after it ended.
    if visit.ended_at is not None and recorded_at > visit.ended_at:
        raise ValidationError(
            _("Kunjungan ini sudah selesai; catatan baru tidak bisa ditambahkan."), "visit_uuid"
        )
    return visit
