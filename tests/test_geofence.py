"""Geofence verdicts for circles and polygons, and distances against geopy's geodesic."""

import math

import pytest
from geopy.distance import geodesic

from patrol.demo.seed import circle
from patrol.rules.geofence import (
    GeometryError,
    centre,
    geodesic_m,
    validate_geometry,
    verdict,
)

TUGU = (-7.97705, 112.63404)
# Sabang, Jakarta, Malang, Makassar, Jayapura, Merauke: Indonesia end to end.
PLACES = [
    (5.8926, 95.3238),
    (-6.2, 106.8166),
    TUGU,
    (-5.1477, 119.4327),
    (-2.5337, 140.7181),
    (-8.4991, 140.4049),
]


def offset(lat, lon, north_m=0.0, east_m=0.0):
    """A point the given metres north and east of (lat, lon), exactly, via geopy."""
    point = (lat, lon)
    if north_m:
        point = geodesic(meters=abs(north_m)).destination(point, 0 if north_m > 0 else 180)
        point = (point.latitude, point.longitude)
    if east_m:
        point = geodesic(meters=abs(east_m)).destination(point, 90 if east_m > 0 else 270)
        point = (point.latitude, point.longitude)
    return point


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("metres", [1, 10, 100, 1000, 5000])
@pytest.mark.parametrize("bearing", [0, 45, 90, 200, 315])
def test_distances_agree_with_geopy_within_a_metre(place, metres, bearing):
    dest = geodesic(meters=metres).destination(place, bearing)
    ours = geodesic_m(place[0], place[1], dest.latitude, dest.longitude)
    assert abs(ours - metres) < 1.0
    assert abs(ours - geodesic(place, (dest.latitude, dest.longitude)).meters) < 0.01


ZONE = circle(*TUGU, 100)


@pytest.mark.parametrize(
    ("north_m", "accuracy", "status", "distance"),
    [
        (0, 10, "inside", 0),
        (80, 10, "inside", 0),  # 80 + 10 < 100: the whole accuracy circle is inside
        (95, 10, "uncertain", 0),  # reaches 5 m over the edge
        (101, 10, "uncertain", 1),  # 1 m out, but could be inside
        (110, 5, "outside", 10),  # 10 m out, accuracy 5 m
        (200, 10, "outside", 100),  # 100 m out
        (5100, 20, "outside", 5000),  # 5 km out
        (0, 150, "uncertain", 0),  # a poor fix is never trusted
    ],
)
def test_circle_verdicts(north_m, accuracy, status, distance):
    lat, lon = offset(*TUGU, north_m=north_m)
    result = verdict(ZONE, lat, lon, accuracy)
    assert result.status == status
    assert result.distance_m == pytest.approx(distance, abs=0.5)


# A square roughly 200 m a side around Alun-Alun Merdeka.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [112.6299, -7.9835],
            [112.6317, -7.9835],
            [112.6317, -7.9817],
            [112.6299, -7.9817],
            [112.6299, -7.9835],
        ]
    ],
}
EAST_EDGE = (-7.9826, 112.6317)


@pytest.mark.parametrize(
    ("east_m", "accuracy", "status"),
    [
        (-50, 10, "inside"),
        (-5, 10, "uncertain"),
        (1, 0.5, "outside"),
        (1, 5, "uncertain"),
        (10, 5, "outside"),
        (100, 10, "outside"),
        (5000, 10, "outside"),
    ],
)
def test_polygon_verdicts(east_m, accuracy, status):
    lat, lon = offset(*EAST_EDGE, east_m=east_m)
    result = verdict(SQUARE, lat, lon, accuracy)
    assert result.status == status
    expected = max(east_m, 0)
    assert result.distance_m == pytest.approx(expected, abs=1.0)


def test_polygon_distance_is_geodesic_far_from_the_equator():
    lat, lon = offset(*EAST_EDGE, east_m=5000)
    assert verdict(SQUARE, lat, lon, 10).distance_m == pytest.approx(5000, abs=1.0)


def test_zero_accuracy_is_suspicious():
    result = verdict(ZONE, *TUGU, 0)
    assert result.status == "inside"
    assert result.suspicious
    assert not verdict(ZONE, *TUGU, 5).suspicious


def test_no_fix_is_no_gps():
    assert verdict(ZONE, None, None, None).status == "no_gps"


def test_unknown_accuracy_is_uncertain():
    assert verdict(ZONE, *TUGU, None).status == "uncertain"


def test_max_accuracy_is_configurable():
    assert verdict(ZONE, *TUGU, 150, max_accuracy_m=200).status == "uncertain"  # straddles
    lat, lon = offset(*TUGU, north_m=1000)
    assert verdict(ZONE, lat, lon, 150, max_accuracy_m=200).status == "outside"


def test_edited_polygon_is_not_served_from_a_stale_cache():
    lat, lon = offset(*EAST_EDGE, east_m=50)
    assert verdict(SQUARE, lat, lon, 5).status == "outside"
    wider = {
        "type": "Polygon",
        "coordinates": [
            [[x + (0.001 if x > 112.63 else 0), y] for x, y in SQUARE["coordinates"][0]]
        ],
    }
    assert verdict(wider, lat, lon, 5).status == "inside"


def test_centre():
    assert centre(ZONE) == pytest.approx(TUGU)
    lat, lon = centre(SQUARE)
    assert lat == pytest.approx(-7.9826) and lon == pytest.approx(112.6308)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (
            {"type": "Point", "coordinates": [112.63, -7.97], "properties": {"radius_m": 5}},
            "antara 10 m dan 5 km",
        ),
        (
            {"type": "Point", "coordinates": [112.63, -7.97], "properties": {"radius_m": 6000}},
            "antara 10 m dan 5 km",
        ),
        ({"type": "Point", "coordinates": [112.63, -7.97]}, "jari-jari"),
        (
            {"type": "Point", "coordinates": [2.35, 48.85], "properties": {"radius_m": 50}},
            "di luar wilayah",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[112.63, -7.97], [112.64, -7.97], [112.64, -7.98]]],
            },
            "tiga titik",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[112.63, -7.97], [112.64, -7.97], [112.64, -7.98], [112.63, -7.98]]
                ],
            },
            "tertutup",
        ),
        # A bow tie: the edges cross.
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [112.63, -7.97],
                        [112.64, -7.98],
                        [112.64, -7.97],
                        [112.63, -7.98],
                        [112.63, -7.97],
                    ]
                ],
            },
            "berpotongan",
        ),
        ({"type": "LineString", "coordinates": []}, "Jenis geometri"),
        ({"type": "Point", "coordinates": ["a", "b"], "properties": {"radius_m": 50}}, "angka"),
        (
            {"type": "Point", "coordinates": [math.nan, -7.9], "properties": {"radius_m": 50}},
            "angka",
        ),
        ("not a dict", "GeoJSON"),
    ],
)
def test_bad_geometry_is_rejected_with_a_reason(geometry, message):
    with pytest.raises(GeometryError, match=message):
        validate_geometry(geometry)


def test_valid_geometry_is_normalised():
    feature = {
        "type": "Feature",
        "properties": {"radius_m": 80},
        "geometry": {"type": "Point", "coordinates": [112.634, -7.977]},
    }
    assert validate_geometry(feature) == circle(-7.977, 112.634, 80)
    assert validate_geometry(SQUARE)["type"] == "Polygon"


def test_the_fixed_name_patrol_geofence_verdict_still_works():
    """DESIGN.md publishes ``patrol.geofence.verdict``; the rules moved, the name stays."""
    from patrol import geofence
    from patrol.rules import geofence as rules_geofence

    assert geofence.verdict is rules_geofence.verdict
    circle = {"type": "Point", "coordinates": [112.63, -7.98], "properties": {"radius_m": 100}}
    assert geofence.verdict(circle, -7.98, 112.63, 5).status == "inside"
