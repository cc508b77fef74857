"""Geofence verdicts: is a GPS fix inside a zone, outside it, or too unsure to tell?

Pure functions on plain values (GeoJSON dicts and floats). A zone is a GeoJSON Polygon,
or a Point with ``properties.radius_m`` (a circle). The GPS accuracy circle decides:
wholly inside the zone is ``inside``, wholly outside is ``outside``, straddling the
boundary is ``uncertain``. Distances are geodesic on the WGS-84 ellipsoid, through geopy
(Karney's algorithm); shapely handles the polygons.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import shapely
from geopy.distance import ELLIPSOIDS, geodesic
from shapely.geometry import Point, Polygon
from shapely.ops import nearest_points

# WGS-84, as geopy knows it (semi-major axis in km, flattening).
_A = ELLIPSOIDS["WGS-84"][0] * 1000
_F = ELLIPSOIDS["WGS-84"][2]
_E2 = _F * (2 - _F)
_WGS84 = geodesic(ellipsoid="WGS-84")

DEFAULT_MAX_ACCURACY_M = 100.0
MIN_RADIUS_M = 10.0
MAX_RADIUS_M = 5000.0
# Indonesia, Sabang to Merauke and Miangas to Rote, with a margin.
INDONESIA_BOUNDS = (-11.5, 94.5, 6.5, 141.5)  # south, west, north, east


class GeometryError(ValueError):
    """A zone geometry that cannot be used; the message names the problem (in Indonesian)."""


@dataclass(frozen=True)
class Verdict:
    status: str  # inside | outside | uncertain | no_gps
    distance_m: float | None  # metres from the zone boundary; 0 when inside
    suspicious: bool = False  # accuracy of exactly 0: what mock-location apps report
    reason: str | None = None  # why uncertain or suspicious, for the record


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two points on the WGS-84 ellipsoid (geopy, Karney)."""
    # One measurer reused: building a geodesic per call parses the ellipsoid each time.
    return _WGS84.measure((lat1, lon1), (lat2, lon2)) * 1000


def _metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of latitude and of longitude at a latitude (WGS-84)."""
    phi = math.radians(lat)
    w = math.sqrt(1 - _E2 * math.sin(phi) ** 2)
    meridional = _A * (1 - _E2) / w**3
    normal = _A / w
    return math.radians(1) * meridional, math.radians(1) * normal * math.cos(phi)


# Geometry parsing and validation ------------------------------------------------------


def _check_position(position, bounds) -> tuple[float, float]:
    if not isinstance(position, list | tuple) or len(position) < 2:
        raise GeometryError("Setiap titik harus berupa pasangan [bujur, lintang].")
    lon, lat = position[0], position[1]
    if isinstance(lon, bool) or isinstance(lat, bool):
        raise GeometryError("Koordinat harus berupa angka.")
    if not isinstance(lon, int | float) or not isinstance(lat, int | float):
        raise GeometryError("Koordinat harus berupa angka.")
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError("Koordinat harus berupa angka.")
    south, west, north, east = bounds
    if not (south <= lat <= north and west <= lon <= east):
        raise GeometryError(
            f"Koordinat {lat:.5f}, {lon:.5f} berada di luar wilayah yang diizinkan (Indonesia)."
        )
    return float(lon), float(lat)


def validate_geometry(geometry, bounds=INDONESIA_BOUNDS) -> dict:
    """Check a zone's GeoJSON and return it normalised; raise GeometryError when unusable."""
    if not isinstance(geometry, dict):
        raise GeometryError("Geometri zona harus berupa objek GeoJSON.")
    kind = geometry.get("type")
    if kind == "Feature":
        inner = dict(geometry.get("geometry") or {})
        if inner.get("type") == "Point":
            inner["properties"] = geometry.get("properties") or {}
        return validate_geometry(inner, bounds)
    if kind == "Point":
        lon, lat = _check_position(geometry.get("coordinates"), bounds)
        props = geometry.get("properties") or {}
        radius = props.get("radius_m") if isinstance(props, dict) else None
        if isinstance(radius, bool) or not isinstance(radius, int | float):
            raise GeometryError("Lingkaran membutuhkan jari-jari dalam meter.")
        if not (MIN_RADIUS_M <= radius <= MAX_RADIUS_M):
            raise GeometryError("Jari-jari harus antara 10 m dan 5 km.")
        return {"type": "Point", "coordinates": [lon, lat], "properties": {"radius_m": radius}}
    if kind == "Polygon":
        rings = geometry.get("coordinates")
        if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
            raise GeometryError("Poligon membutuhkan daftar titik.")
        ring = [_check_position(p, bounds) for p in rings[0]]
        if len(ring) < 4:
            raise GeometryError("Poligon membutuhkan sedikitnya tiga titik berbeda.")
        if ring[0] != ring[-1]:
            raise GeometryError("Poligon harus tertutup: titik terakhir sama dengan titik pertama.")
        if len(set(ring)) < 3:
            raise GeometryError("Poligon membutuhkan sedikitnya tiga titik berbeda.")
        polygon = Polygon(ring)
        if not polygon.is_valid or polygon.area == 0:
            raise GeometryError("Garis poligon tidak boleh saling berpotongan.")
        return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
    raise GeometryError("Jenis geometri harus lingkaran (Point dengan radius_m) atau Polygon.")


@lru_cache(maxsize=1024)
def _prepared_polygon(key: str) -> Polygon:
    """The zone's polygon, prepared for fast containment tests; cached per process.

    The cache key is the geometry itself, so an edited zone gets a new entry at once.
    """
    polygon = Polygon(json.loads(key)["coordinates"][0])
    shapely.prepare(polygon)
    return polygon


def _polygon_for(geometry: dict) -> Polygon:
    return _prepared_polygon(json.dumps(geometry, sort_keys=True))


def centre(geometry: dict) -> tuple[float, float]:
    """(lat, lon) of a zone's centre (circle centre or polygon centroid), for maps."""
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"][:2]
        return lat, lon
    c = _polygon_for(geometry).centroid
    return c.y, c.x


def boundary_distance_m(geometry: dict, lat: float, lon: float) -> tuple[bool, float]:
    """Whether the point lies in the zone, and its distance in metres to the zone's edge."""
    if geometry["type"] == "Point":
        c_lon, c_lat = geometry["coordinates"][:2]
        radius = float(geometry["properties"]["radius_m"])
        d = geodesic_m(lat, lon, c_lat, c_lon)
        return d <= radius, abs(d - radius)
    polygon = _polygon_for(geometry)
    inside = polygon.covers(Point(lon, lat))
    # Nearest edge point found in a local metric plane around the fix, then measured
    # exactly on the ellipsoid.
    k_lat, k_lon = _metres_per_degree(lat)
    local = shapely.transform(polygon.exterior, lambda xy: (xy - (lon, lat)) * (k_lon, k_lat))
    nearest = nearest_points(local, Point(0, 0))[0]
    edge_lon, edge_lat = lon + nearest.x / k_lon, lat + nearest.y / k_lat
    return inside, geodesic_m(lat, lon, edge_lat, edge_lon)


def verdict(
    geometry: dict,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
) -> Verdict:
    """The geofence verdict for a GPS fix against a zone geometry."""
    if lat is None or lon is None:
        return Verdict("no_gps", None, reason="no_fix")
    inside, edge_m = boundary_distance_m(geometry, lat, lon)
    distance = 0.0 if inside else round(edge_m, 2)
    suspicious = accuracy_m is not None and accuracy_m == 0
    reason = "suspicious_zero_accuracy" if suspicious else None
    if accuracy_m is None or accuracy_m < 0:
        return Verdict("uncertain", distance, suspicious, "accuracy_unknown")
    if accuracy_m > max_accuracy_m:
        return Verdict("uncertain", distance, suspicious, "poor_accuracy")
    if edge_m < accuracy_m:
        # The accuracy circle reaches across the boundary.
        return Verdict("uncertain", distance, suspicious, reason or "straddles_boundary")
    return Verdict("inside" if inside else "outside", distance, suspicious, reason)
