"""Six weeks of past crowd counts for the demo, so that /taman's forecasts have a history.

Demo data, not domain logic: ``seed-demo`` calls it once (when the demo officer has no
visits yet), and ``seed-load`` shares its weekly rhythm.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import current_app

from patrol.extensions import db
from patrol.geofence import centre
from patrol.models import CrowdCount, Visit, Zone
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import WIB
from patrol.services.crowd_hours import is_holiday

HISTORY_DAYS = 42
# Every hour of the day shift, so that a busy evening reads as one window (16.00–20.00).
COUNT_HOURS = range(7, 20)


def weekly_rhythm(local: datetime) -> float:
    """A park's share of its capacity by WIB hour: weekday evenings after work, weekend
    and holiday mornings (car-free-day walks) and afternoons, quiet otherwise."""
    hour = local.hour
    if local.weekday() >= 5 or is_holiday(local.date()):
        if 6 <= hour < 10:
            return 0.95
        if 15 <= hour < 19:
            return 0.7
        return 0.3
    if 16 <= hour < 20:
        return 0.8
    if 11 <= hour < 14:
        return 0.35
    return 0.15


def seed_crowd_history(officer_id: int, now: datetime, seed: int = 2021) -> int:
    """One past visit a day in every active park with a count every two hours; returns
    the number of counts (none when the officer already has visits)."""
    if db.session.scalar(sa.select(Visit.id).where(Visit.officer_id == officer_id).limit(1)):
        return 0
    rng = random.Random(seed)
    today = now.astimezone(WIB).date()
    zones = list(db.session.scalars(sa.select(Zone).where(Zone.active.is_(True))))
    config = current_app.config
    busy, over = config["CROWD_BUSY_PERCENT"], config["CROWD_OVER_PERCENT"]
    added = 0
    for zone in zones:
        lat, lon = centre(zone.geometry)
        for n in range(HISTORY_DAYS, 0, -1):
            day = today - timedelta(days=n)
            start = datetime.combine(day, time(7, 30), WIB).astimezone(timezone.utc)
            visit = Visit(
                uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                officer_id=officer_id,
                zone_id=zone.id,
                started_at=start,
                ended_at=start + timedelta(hours=11),
                created_at=start,
                closed_by="officer",
                start_lat=lat,
                start_lon=lon,
                start_accuracy_m=10.0,
                start_geofence="inside",
                start_distance_m=0.0,
            )
            db.session.add(visit)
            for hour in COUNT_HOURS:
                at = datetime.combine(day, time(hour, rng.randint(0, 50)), WIB)
                share = weekly_rhythm(at) * rng.uniform(0.75, 1.25)
                headcount = min(int(zone.capacity * share), 10_000)
                visit.crowd_counts.append(
                    CrowdCount(
                        uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        zone_id=zone.id,
                        recorded_at=at.astimezone(timezone.utc),
                        created_at=at.astimezone(timezone.utc),
                        headcount=headcount,
                        level=crowd_level(headcount, zone.capacity, busy, over),
                        lat=lat,
                        lon=lon,
                        accuracy_m=10.0,
                        geofence="inside",
                    )
                )
                added += 1
    db.session.flush()
    return added
