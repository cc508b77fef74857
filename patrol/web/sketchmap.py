"""A small map drawn without tiles: a zone's outline, a GPS fix and its accuracy circle,
as SVG coordinates (for the review screen, where twenty tile maps would be too heavy and
where the verdict must read even offline)."""

from __future__ import annotations

import math

# Metres per degree of latitude (and of longitude at the equator): enough for a sketch.
M_PER_DEG = 111_320.0


def sketch(
    geometry: dict | None,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    width: int = 240,
    height: int = 160,
) -> dict | None:
    """SVG shapes for the zone and the fix in a ``width`` × ``height`` box, north up, same
    scale both ways, with a scale bar; None when there is neither a zone nor a fix."""
    origin = _origin(geometry, lat, lon)
    if origin is None:
        return None
    lat0, lon0 = origin
    cos0 = math.cos(math.radians(lat0))

    def metres(p_lat: float, p_lon: float) -> tuple[float, float]:
        return (p_lon - lon0) * M_PER_DEG * cos0, (p_lat - lat0) * M_PER_DEG

    shapes: list[tuple[str, tuple]] = []  # ("circle", (x, y, r)) or ("polygon", points)
    kind = (geometry or {}).get("type")
    if kind == "Point":
        zlon, zlat = geometry["coordinates"][:2]
        radius = float((geometry.get("properties") or {}).get("radius_m") or 50)
        shapes.append(("circle", (*metres(zlat, zlon), radius)))
    elif kind == "Polygon" and geometry.get("coordinates"):
        ring = [metres(p[1], p[0]) for p in geometry["coordinates"][0]]
        shapes.append(("polygon", ring))
    fix = None
    if lat is not None and lon is not None:
        fix = (*metres(lat, lon), float(accuracy_m or 0))

    xs, ys = [], []
    for shape, data in shapes + ([("circle", fix)] if fix else []):
        if shape == "circle":
            x, y, r = data
            r = max(r, 10.0)
            xs += [x - r, x + r]
            ys += [y - r, y + r]
        else:
            xs += [p[0] for p in data]
            ys += [p[1] for p in data]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    pad = 12
    scale = min((width - 2 * pad) / max(span_x, 1.0), (height - 2 * pad) / max(span_y, 1.0))
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def px(x: float, y: float) -> tuple[float, float]:
        return (
            round(width / 2 + (x - mid_x) * scale, 1),
            round(height / 2 - (y - mid_y) * scale, 1),  # north up
        )

    out: dict = {"width": width, "height": height, "zone": None, "fix": None}
    if shapes:
        shape, data = shapes[0]
        if shape == "circle":
            cx, cy = px(data[0], data[1])
            out["zone"] = {"circle": (cx, cy, round(data[2] * scale, 1))}
        else:
            out["zone"] = {"points": " ".join(f"{a},{b}" for a, b in (px(*p) for p in data))}
    if fix:
        fx, fy = px(fix[0], fix[1])
        out["fix"] = (fx, fy, round(fix[2] * scale, 1))
    out["scale_m"], out["scale_px"] = _scale_bar(scale, width)
    return out


def _origin(geometry, lat, lon) -> tuple[float, float] | None:
    if lat is not None and lon is not None:
        return lat, lon
    kind = (geometry or {}).get("type")
    if kind == "Point":
        return geometry["coordinates"][1], geometry["coordinates"][0]
    if kind == "Polygon" and geometry.get("coordinates"):
        first = geometry["coordinates"][0][0]
        return first[1], first[0]
    return None


def _scale_bar(scale: float, width: int) -> tuple[int, float]:
    """A round distance (10, 20, 50, 100 … m) whose bar is at most a third of the width."""
    target = width / 3 / scale
    step = 10
    for candidate in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if candidate <= target:
            step = candidate
    return step, round(step * scale, 1)
