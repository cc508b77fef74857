"""The geofence columns stored with every field record, from the phone's GPS fix."""

from __future__ import annotations

from patrol.inputs.field import GpsFix
from patrol.models import Zone
from patrol.rules import geofence


def gps_columns(zone: Zone, gps: GpsFix) -> dict:
    """The stored GPS columns for a fix: position, verdict, distance and a note."""
    return fix_columns(zone.geometry, gps)


def fix_columns(geometry: dict, gps: GpsFix, outside_note: str | None = None) -> dict:
    """The stored GPS columns for a fix judged against ``geometry``; ``outside_note``
    replaces the verdict's reason when the fix is outside (a checkpoint's far scan)."""
    if gps.lat is None or gps.lon is None:
        return {
            "lat": None,
            "lon": None,
            "accuracy_m": None,
            "geofence": "no_gps",
            "distance_m": None,
            "gps_note": gps.error or "unavailable",
        }
    result = geofence.verdict(geometry, gps.lat, gps.lon, gps.accuracy_m)
    if result.suspicious:
        note = "suspicious"
    elif outside_note and result.status == "outside":
        note = outside_note
    else:
        note = result.reason
    return {
        "lat": gps.lat,
        "lon": gps.lon,
        "accuracy_m": gps.accuracy_m,
        "geofence": result.status,
        "distance_m": result.distance_m,
        "gps_note": note,
    }
