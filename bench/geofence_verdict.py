"""Micro-benchmark: the cost of one geofence verdict (circle and polygon zones).

    .venv/bin/python bench/geofence_verdict.py [N]

Prints microseconds per verdict for a circle and a polygon, the fixes spread around the
zone's edge (inside, outside and straddling). No database, no app: only patrol.rules.geofence.
"""

from __future__ import annotations

import random
import sys
import timeit

from patrol.rules.geofence import verdict

CIRCLE = {"type": "Point", "coordinates": [112.63404, -7.97705], "properties": {"radius_m": 150}}
POLYGON = {
    "type": "Polygon",
    "coordinates": [
        [
            [112.6325, -7.9760],
            [112.6355, -7.9760],
            [112.6360, -7.9785],
            [112.6330, -7.9790],
            [112.6320, -7.9775],
            [112.6325, -7.9760],
        ]
    ],
}


def fixes(n: int, seed: int = 7) -> list[tuple[float, float, float]]:
    rng = random.Random(seed)
    return [
        (-7.97705 + rng.uniform(-0.004, 0.004), 112.63404 + rng.uniform(-0.004, 0.004), 15.0)
        for _ in range(n)
    ]


def per_verdict_us(geometry: dict, points, repeat: int = 5) -> float:
    def run():
        for lat, lon, acc in points:
            verdict(geometry, lat, lon, acc)

    best = min(timeit.repeat(run, number=1, repeat=repeat))
    return best / len(points) * 1e6


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    points = fixes(n)
    per_verdict_us(POLYGON, points[:100])  # warm the prepared-polygon cache
    print(f"circle:  {per_verdict_us(CIRCLE, points):.1f} µs per verdict ({n} fixes, best of 5)")
    print(f"polygon: {per_verdict_us(POLYGON, points):.1f} µs per verdict ({n} fixes, best of 5)")


if __name__ == "__main__":
    main()
