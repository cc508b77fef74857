"""A GPS fix from the phone and the geofence columns stored with every field record."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _

from patrol import geofence
from patrol.models import Zone
from patrol.services.errors import ValidationError

GPS_ERRORS = ("denied", "unavailable", "timeout", "unsupported")


@dataclass(frozen=True)
class Gps:
    """A GPS fix from the phone, or the reason there is none."""

    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    error: str | None = None


def number(value, field_name: str, message: str) -> float | None:
    """A finite number from a string or number; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(message, field_name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(message, field_name) from None
    if not math.isfinite(number):
        raise ValidationError(message, field_name)
    return number


def parse_gps(lat=None, lon=None, accuracy=None, error=None) -> Gps:
    """Check a fix given as strings or numbers; a missing fix keeps the phone's reason."""
    lat_v = number(lat, "lat", _("Lintang harus berupa angka."))
    lon_v = number(lon, "lon", _("Bujur harus berupa angka."))
    acc_v = number(accuracy, "accuracy", _("Akurasi GPS harus berupa angka."))
    if lat_v is None or lon_v is None:
        reason = (error or "").strip().lower()
        return Gps(error=reason if reason in GPS_ERRORS else "unavailable")
    if not -90 <= lat_v <= 90:
        raise ValidationError(_("Lintang harus antara -90 dan 90."), "lat")
    if not -180 <= lon_v <= 180:
        raise ValidationError(_("Bujur harus antara -180 dan 180."), "lon")
    if acc_v is not None and acc_v < 0:
        raise ValidationError(_("Akurasi GPS tidak boleh negatif."), "accuracy")
    return Gps(lat_v, lon_v, acc_v)


def gps_columns(zone: Zone, gps: Gps) -> dict:
    """The stored GPS columns for a fix: position, verdict, distance and a note."""
    if gps.lat is None or gps.lon is None:
        return {
            "lat": None,
            "lon": None,
            "accuracy_m": None,
            "geofence": "no_gps",
            "distance_m": None,
            "gps_note": gps.error or "unavailable",
        }
    result = geofence.verdict(zone.geometry, gps.lat, gps.lon, gps.accuracy_m)
    note = "suspicious" if result.suspicious else result.reason
    return {
        "lat": gps.lat,
        "lon": gps.lon,
        "accuracy_m": gps.accuracy_m,
        "geofence": result.status,
        "distance_m": result.distance_m,
        "gps_note": note,
    }
