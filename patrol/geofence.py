"""``patrol.geofence.verdict`` under its fixed name (DESIGN.md's fixed points).

The geofence is a pure rule and lives with the others in ``patrol.rules.geofence``; this
module only keeps the published name importable.
"""

from patrol.rules.geofence import (
    DEFAULT_MAX_ACCURACY_M,
    INDONESIA_BOUNDS,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    GeometryError,
    Verdict,
    boundary_distance_m,
    centre,
    geodesic_m,
    validate_geometry,
    verdict,
)

__all__ = [
    "DEFAULT_MAX_ACCURACY_M",
    "INDONESIA_BOUNDS",
    "MAX_RADIUS_M",
    "MIN_RADIUS_M",
    "GeometryError",
    "Verdict",
    "boundary_distance_m",
    "centre",
    "geodesic_m",
    "validate_geometry",
    "verdict",
]
