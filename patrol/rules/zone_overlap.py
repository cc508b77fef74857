"""Which other zones a zone overlaps: a warning for the admin drawing it (two zones over
the same ground split the visits, the counts and the alerts between them)."""

from __future__ import annotations

import math

from shapely.geometry import Point, Polygon

# Metres per degree of latitude; longitude is scaled by the cosine of the latitude. At a
# city's size the error is far below what an overlap warning needs.
M_PER_DEG = 111_320.0


def _shape(geometry: dict, lat0: float):
    """The zone as a shapely shape in metres around ``lat0``, or None when malformed."""
    cos0 = math.cos(math.radians(lat0))
    try:
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"][:2]
            radius = float(geometry["properties"]["radius_m"])
            return Point(lon * M_PER_DEG * cos0, lat * M_PER_DEG).buffer(radius, 32)
        if geometry["type"] == "Polygon":
            ring = geometry["coordinates"][0]
            return Polygon([(p[0] * M_PER_DEG * cos0, p[1] * M_PER_DEG) for p in ring])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None


def _latitude(geometry: dict) -> float:
    if geometry["type"] == "Point":
        return float(geometry["coordinates"][1])
    return float(geometry["coordinates"][0][0][1])


def overlapping(geometry: dict, others: list[tuple[str, dict]], min_m2: float = 1.0) -> list[str]:
    """Names of the ``others`` (name, geometry) whose area overlaps ``geometry`` by more
    than ``min_m2`` square metres (zones that only touch do not count)."""
    lat0 = _latitude(geometry)
    mine = _shape(geometry, lat0)
    if mine is None or not mine.is_valid:
        return []
    names = []
    for name, other in others:
        theirs = _shape(other, lat0)
        if theirs is None or not theirs.is_valid:
            continue
        if mine.intersects(theirs) and mine.intersection(theirs).area > min_m2:
            names.append(name)
    return names
