"""Patrol zones: create, edit and deactivate, with the geometry checked by the geofence module."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import gettext as _

from patrol.extensions import db
from patrol.models import ZONE_KINDS, Zone
from patrol.rules.geofence import INDONESIA_BOUNDS, GeometryError, validate_geometry
from patrol.services import audit
from patrol.services.errors import ValidationError


def snapshot(zone: Zone) -> dict:
    """The audited fields of a zone, as plain values."""
    return {
        "name": zone.name,
        "kind": zone.kind,
        "kecamatan": zone.kecamatan,
        "capacity": zone.capacity,
        "active": zone.active,
        "geometry": zone.geometry,
    }


def parse_geometry(
    text: str | None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: float | None = None,
    bounds=INDONESIA_BOUNDS,
) -> dict:
    """The zone geometry from pasted GeoJSON, or from a typed centre and radius (a circle)."""
    text = (text or "").strip()
    if text:
        try:
            geometry = json.loads(text)
        except ValueError:
            raise ValidationError(
                _("GeoJSON tidak dapat dibaca. Periksa tanda kurung dan koma."), "geometry"
            ) from None
    elif lat is not None and lon is not None and radius_m is not None:
        geometry = {
            "type": "Point",
            "coordinates": [lon, lat],
            "properties": {"radius_m": radius_m},
        }
    else:
        raise ValidationError(
            _("Gambar zona di peta, ketik titik pusat dan jari-jari, atau tempel GeoJSON."),
            "geometry",
        )
    try:
        return validate_geometry(geometry, bounds)
    except GeometryError as error:
        raise ValidationError(str(error), "geometry") from None


def _check_fields(name: str, kind: str, capacity: int, zone_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError(_("Nama zona wajib diisi."), "name")
    if kind not in ZONE_KINDS:
        raise ValidationError(_("Jenis zona tidak dikenal."), "kind")
    if capacity is None or capacity < 0:
        raise ValidationError(_("Kapasitas tidak boleh negatif."), "capacity")
    clash = db.session.scalar(sa.select(Zone.id).where(Zone.name == name, Zone.id != zone_id))
    if clash is not None:
        raise ValidationError(_("Nama zona '%(name)s' sudah dipakai.", name=name), "name")
    return name


def create_zone(
    actor_id: int, name: str, kind: str, kecamatan: str, capacity: int, geometry: dict
) -> Zone:
    """Add a zone (its geometry already validated) and audit it."""
    name = _check_fields(name, kind, capacity, None)
    zone = Zone(
        name=name, kind=kind, kecamatan=kecamatan.strip(), capacity=capacity, geometry=geometry
    )
    db.session.add(zone)
    db.session.flush()
    audit.record(actor_id, "create", "zone", zone.id, None, snapshot(zone))
    return zone


def update_zone(
    actor_id: int,
    zone: Zone,
    name: str,
    kind: str,
    kecamatan: str,
    capacity: int,
    geometry: dict,
    active: bool,
) -> Zone:
    """Change a zone; a new geometry gets fresh cached shapes because the cache is keyed by it."""
    before = snapshot(zone)
    zone.name = _check_fields(name, kind, capacity, zone.id)
    zone.kind = kind
    zone.kecamatan = kecamatan.strip()
    zone.capacity = capacity
    zone.geometry = geometry
    zone.active = active
    db.session.flush()
    audit.record(actor_id, "update", "zone", zone.id, before, snapshot(zone))
    return zone


def set_zone_active(actor_id: int, zone: Zone, active: bool) -> Zone:
    """Deactivate (or reactivate) a zone; its history stays."""
    before = snapshot(zone)
    zone.active = active
    db.session.flush()
    audit.record(
        actor_id, "activate" if active else "deactivate", "zone", zone.id, before, snapshot(zone)
    )
    return zone


_ALL_ZONES = sa.select(Zone).order_by(Zone.active.desc(), Zone.name)
_ACTIVE_ZONES = _ALL_ZONES.where(Zone.active.is_(True))  # built once (docs/decisions.md)


def list_zones(include_inactive: bool = True) -> list[Zone]:
    """Zones by name, active ones first."""
    return list(db.session.scalars(_ALL_ZONES if include_inactive else _ACTIVE_ZONES))


def geometry_text(geometry: dict | None) -> str:
    """A zone's GeoJSON as text for the editable field."""
    return json.dumps(geometry) if geometry else ""
