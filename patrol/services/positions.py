"""The geofence columns stored with every field record, from the phone's GPS fix."""

from __future__ import annotations

from patrol.inputs.field import GpsFix
from patrol.models import Zone
from patrol.rules import geofence


def gps_columns(zone: Zone, gps: GpsFix) -> dict:
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
