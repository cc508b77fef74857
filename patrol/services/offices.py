"""Offices and their entrances (tokens revoked and re-issued)."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from patrol.extensions import db
from patrol.models import Entrance, Office, new_token
from patrol.rules.geofence import INDONESIA_BOUNDS, MAX_RADIUS_M, MIN_RADIUS_M
from patrol.rules.timeutil import utcnow
from patrol.services import audit
from patrol.services.errors import ValidationError


def snapshot(office: Office) -> dict:
    """The audited fields of an office, as plain values."""
    return {
        "name": office.name,
        "address": office.address,
        "lat": office.lat,
        "lon": office.lon,
        "radius_m": office.radius_m,
        "capacity": office.capacity,
        "opens_at": office.opens_at.isoformat(timespec="minutes"),
        "closes_at": office.closes_at.isoformat(timespec="minutes"),
        "active": office.active,
        "wait_when_full": office.wait_when_full,
        "hold_red": office.hold_red,
        "after_hours_checkin": office.after_hours_checkin,
    }


def _check(
    office_id: int | None,
    name: str,
    lat: float,
    lon: float,
    radius_m: float,
    capacity: int,
    opens_at: time,
    closes_at: time,
    bounds=INDONESIA_BOUNDS,
) -> str:
    name = name.strip()
    if not name:
        raise ValidationError(_("Nama kantor wajib diisi."), "name")
    south, west, north, east = bounds
    if not (south <= lat <= north):
        raise ValidationError(_("Lintang berada di luar wilayah yang diizinkan."), "lat")
    if not (west <= lon <= east):
        raise ValidationError(_("Bujur berada di luar wilayah yang diizinkan."), "lon")
    if not (MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M):
        raise ValidationError(_("Jari-jari harus antara 10 m dan 5 km."), "radius_m")
    if capacity < 0:
        raise ValidationError(_("Kapasitas tidak boleh negatif."), "capacity")
    if closes_at <= opens_at:
        raise ValidationError(_("Jam tutup harus setelah jam buka."), "closes_at")
    clash = db.session.scalar(
        sa.select(Office.id).where(Office.name == name, Office.id != office_id)
    )
    if clash is not None:
        raise ValidationError(_("Nama kantor '%(name)s' sudah dipakai.", name=name), "name")
    return name


def save_office(actor_id: int, office: Office | None, bounds=INDONESIA_BOUNDS, **fields) -> Office:
    """Create an office (office None) or change one; audited with before and after."""
    fields["name"] = _check(office.id if office else None, bounds=bounds, **_checked(fields))
    before = snapshot(office) if office else None
    if office is None:
        office = Office(**fields)
        db.session.add(office)
    else:
        for key, value in fields.items():
            setattr(office, key, value)
    db.session.flush()
    audit.record(
        actor_id, "update" if before else "create", "office", office.id, before, snapshot(office)
    )
    return office


def _checked(fields: dict) -> dict:
    return {
        k: fields[k]
        for k in ("name", "lat", "lon", "radius_m", "capacity", "opens_at", "closes_at")
    }


def entrance_snapshot(entrance: Entrance) -> dict:
    """Audited entrance fields; the token itself stays out of the log (only when issued)."""
    return {
        "office_id": entrance.office_id,
        "name": entrance.name,
        "token_issued_at": entrance.token_issued_at.isoformat()
        if entrance.token_issued_at
        else None,
        "revoked_at": entrance.revoked_at.isoformat() if entrance.revoked_at else None,
        "screen_mode": entrance.screen_mode,
    }


def add_entrance(actor_id: int, office: Office, name: str) -> Entrance:
    """Add a door to an office, with a fresh unguessable token."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Nama pintu wajib diisi."), "name")
    entrance = Entrance(office_id=office.id, name=name, token=new_token(), token_issued_at=utcnow())
    db.session.add(entrance)
    db.session.flush()
    audit.record(actor_id, "create", "entrance", entrance.id, None, entrance_snapshot(entrance))
    return entrance


def revoke_entrance(actor_id: int, entrance: Entrance) -> Entrance:
    """Stop an entrance's posters from working, at once."""
    before = entrance_snapshot(entrance)
    if entrance.revoked_at is None:
        entrance.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor_id, "revoke", "entrance", entrance.id, before, entrance_snapshot(entrance))
    return entrance


def reissue_entrance(actor_id: int, entrance: Entrance) -> Entrance:
    """Give an entrance a new token (old posters stop working) and lift any revocation."""
    before = entrance_snapshot(entrance)
    entrance.token = new_token()
    entrance.token_issued_at = utcnow()
    entrance.revoked_at = None
    db.session.flush()
    audit.record(actor_id, "reissue", "entrance", entrance.id, before, entrance_snapshot(entrance))
    return entrance


def set_screen_mode(actor_id: int | None, entrance: Entrance, on: bool) -> Entrance:
    """Switch an entrance's screen mode (a rotating code on the guard's screen); audited."""
    before = entrance_snapshot(entrance)
    entrance.screen_mode = on
    db.session.flush()
    action = "screen_on" if on else "screen_off"
    audit.record(actor_id, action, "entrance", entrance.id, before, entrance_snapshot(entrance))
    return entrance


def list_offices() -> list[Office]:
    """Offices by name, active ones first, with their entrances (one query for them all)."""
    query = (
        sa.select(Office)
        .options(selectinload(Office.entrances))
        .order_by(Office.active.desc(), Office.name)
    )
    return list(db.session.scalars(query))
