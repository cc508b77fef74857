"""The city at a glance: latest crowd levels, today's figures, alerts, and officer SOS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from patrol.extensions import db
from patrol.models import (
    Assignment,
    CheckIn,
    CheckinHour,
    CrowdCount,
    Office,
    SosAlert,
    User,
    Violation,
    ViolationCategory,
    Visit,
    Zone,
    inside_now_terms,
)
from patrol.rules import geofence
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import wib_day_bounds, wib_today
from patrol.services import audit, coverage
from patrol.services.errors import ValidationError

# A count older than this says nothing about the park now.
FRESH_HOURS = 2


@dataclass
class ZoneLevel:
    """A zone with its latest fresh crowd count (None when there is none)."""

    id: int
    name: str
    kind: str
    geometry: dict
    capacity: int
    headcount: int | None
    counted_at: datetime | None
    level: str  # quiet, busy, over, or unknown


def zone_levels(
    now: datetime, busy_percent: int, over_percent: int, fresh_hours: float = FRESH_HOURS
) -> list[ZoneLevel]:
    """Every active zone with its latest crowd count; the level is unknown when that count
    is older than ``fresh_hours`` (one query)."""
    # The latest count per zone by an index seek on (zone_id, recorded_at): the cost
    # stays the same however many counts a year piles up.
    latest_id = (
        sa.select(CrowdCount.id)
        .where(
            CrowdCount.zone_id == Zone.id,
            CrowdCount.withdrawn_at.is_(None),
            CrowdCount.recorded_at <= now,
        )
        .order_by(CrowdCount.recorded_at.desc(), CrowdCount.id.desc())
        .limit(1)
        .correlate(Zone)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Zone, CrowdCount.headcount, CrowdCount.recorded_at)
        .outerjoin(CrowdCount, CrowdCount.id == latest_id)
        .where(Zone.active.is_(True))
        .order_by(Zone.name)
    ).all()
    fresh_since = now - timedelta(hours=fresh_hours)
    out = []
    for zone, headcount, counted_at in rows:
        if counted_at is not None and counted_at.tzinfo is None:
            counted_at = counted_at.replace(tzinfo=now.tzinfo)
        fresh = counted_at is not None and counted_at >= fresh_since
        level = (
            crowd_level(headcount, zone.capacity, busy_percent, over_percent)
            if fresh
            else "unknown"
        )
        out.append(
            ZoneLevel(
                id=zone.id,
                name=zone.name,
                kind=zone.kind,
                geometry=zone.geometry,
                capacity=zone.capacity,
                headcount=headcount,
                counted_at=counted_at,
                level=level,
            )
        )
    return out


def today_figures(now: datetime) -> dict:
    """Today's (WIB) visits, violations by category, check-ins, and people inside now."""
    start, end = wib_day_bounds(wib_today(now))
    visits, unscheduled = db.session.execute(
        sa.select(
            sa.func.count(Visit.id), sa.func.count(Visit.id).filter(Visit.unscheduled.is_(True))
        ).where(Visit.started_at >= start, Visit.started_at < end)
    ).one()
    by_category = db.session.execute(
        sa.select(ViolationCategory.label, sa.func.count(Violation.id).label("n"))
        .join(ViolationCategory, ViolationCategory.id == Violation.category_id)
        .where(
            Violation.recorded_at >= start,
            Violation.recorded_at < end,
            Violation.withdrawn_at.is_(None),
        )
        .group_by(ViolationCategory.id, ViolationCategory.label, ViolationCategory.sort_order)
        .order_by(ViolationCategory.sort_order)
    ).all()
    # From the hourly summary kept at check-in time (WIB days are whole UTC hours), not
    # by counting a busy city's day of check-ins row by row.
    checkins = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CheckinHour.checkins), 0)).where(
            CheckinHour.hour_start >= start, CheckinHour.hour_start < end
        )
    )
    return {
        "visits": visits,
        "unscheduled_visits": unscheduled,
        "violations": sum(row.n for row in by_category),
        "violations_by_category": by_category,
        "checkins": checkins,
    }


@dataclass
class OfficeLoad:
    """An office with the number of people inside now."""

    id: int
    name: str
    lat: float
    lon: float
    capacity: int
    inside: int

    @property
    def level(self) -> str:
        """quiet below 80 %, busy up to capacity, full at or over it (as the guards' board)."""
        if self.capacity and self.inside >= self.capacity:
            return "full"
        if self.capacity and self.inside / self.capacity >= 0.8:
            return "busy"
        return "quiet"


def office_loads() -> list[OfficeLoad]:
    """Every active office with who is inside now: one count over the partial index of the
    people inside (ix_checkins_inside), so a year of closed check-ins costs nothing."""
    inside = (
        sa.select(CheckIn.office_id, sa.func.count(CheckIn.id).label("n"))
        .where(*inside_now_terms())
        .group_by(CheckIn.office_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Office.id,
            Office.name,
            Office.lat,
            Office.lon,
            Office.capacity,
            sa.func.coalesce(inside.c.n, 0),
        )
        .outerjoin(inside, inside.c.office_id == Office.id)
        .where(Office.active.is_(True))
        .order_by(Office.name)
    ).all()
    return [OfficeLoad(*row) for row in rows]


def officer_positions(now: datetime) -> list:
    """Officers with an open visit, on shift now or unscheduled (di luar jadwal): where that
    visit's GPS last put them."""
    on_shift = (
        sa.select(Assignment.id)
        .where(
            Assignment.officer_id == Visit.officer_id,
            Assignment.running_at(now),
        )
        .exists()
    )
    return db.session.execute(
        sa.select(
            User.full_name,
            Zone.name.label("zone"),
            Visit.started_at,
            Visit.unscheduled,
            sa.func.coalesce(Visit.end_lat, Visit.start_lat).label("lat"),
            sa.func.coalesce(Visit.end_lon, Visit.start_lon).label("lon"),
        )
        .join(User, User.id == Visit.officer_id)
        .join(Zone, Zone.id == Visit.zone_id)
        .where(
            Visit.ended_at.is_(None),
            Visit.start_lat.is_not(None),
            sa.or_(on_shift, Visit.unscheduled.is_(True)),
        )
        .order_by(User.full_name)
    ).all()


def alerts(now: datetime, unvisited_hours: float, grace_minutes: int = 30) -> dict:
    """Zones on shift not visited lately (after the grace period), shifts that ended today
    without a visit inside their zone (missed), and today's visits started outside."""
    start, _end = wib_day_bounds(wib_today(now))
    outside = db.session.execute(
        sa.select(User.full_name, Zone.name.label("zone"), Visit.started_at, Visit.start_distance_m)
        .join(User, User.id == Visit.officer_id)
        .join(Zone, Zone.id == Visit.zone_id)
        .where(Visit.started_at >= start, Visit.start_geofence == "outside")
        .order_by(Visit.started_at.desc())
    ).all()
    # Public complaints nobody acknowledged in time (services/complaints.py).
    from patrol.services.complaints import late_complaints

    return {
        "unvisited": coverage.unvisited_zones(now, grace_minutes, unvisited_hours),
        "missed": coverage.missed_shifts(now, since=start),
        "outside": outside,
        "late_complaints": late_complaints(now),
    }


# Officer SOS -------------------------------------------------------------------------------


def raise_sos(
    officer_id: int,
    uuid: str,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    now: datetime,
) -> SosAlert:
    """Record an officer's SOS (values checked by ``inputs.api.SosRequest``); a retried
    send (same uuid) returns the first alert."""
    alert = SosAlert(
        uuid=uuid,
        officer_id=officer_id,
        raised_at=now,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
    )
    savepoint = db.session.begin_nested()
    db.session.add(alert)
    try:
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        existing = db.session.scalar(sa.select(SosAlert).where(SosAlert.uuid == uuid))
        if existing is None or existing.officer_id != officer_id:
            raise ValidationError(_("Permintaan tidak lengkap."), "uuid") from None
        return existing
    savepoint.commit()
    return alert


def open_sos_alerts() -> list:
    """SOS alerts nobody has acknowledged yet, newest first, with the officer's name."""
    return db.session.execute(
        sa.select(SosAlert, User.full_name)
        .join(User, User.id == SosAlert.officer_id)
        .where(SosAlert.acknowledged_at.is_(None))
        .order_by(SosAlert.raised_at.desc())
    ).all()


def acknowledge_sos(alert_id: int, admin_id: int, now: datetime, note: str = "") -> SosAlert | None:
    """Mark an SOS alert as handled by an admin (a second acknowledgement changes nothing)."""
    alert = db.session.get(SosAlert, alert_id)
    if alert is None:
        return None
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by_id = admin_id
        alert.note = (note or "").strip()[:200] or None
        audit.record(admin_id, "acknowledge", "sos_alert", alert.id, after={"note": alert.note})
        db.session.flush()
    return alert


def park_record(zone: ZoneLevel) -> dict:
    """What the public may know about a park: place, level, last count; nothing personal."""
    centre = geofence.centre(zone.geometry)
    return {
        "id": zone.id,
        "name": zone.name,
        "kind": zone.kind,
        "lat": centre[0] if centre else None,
        "lon": centre[1] if centre else None,
        "capacity": zone.capacity,
        "level": zone.level,
        "headcount": zone.headcount if zone.level != "unknown" else None,
        "last_counted_at": zone.counted_at.isoformat() if zone.counted_at else None,
    }
