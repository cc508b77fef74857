"""Shift look-ups for officers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import Assignment


@dataclass
class OfficerDay:
    current: Assignment | None
    upcoming: list[Assignment]


def officer_day(officer_id: int, now: datetime, limit: int = 3) -> OfficerDay:
    """The shift an officer is on now, and the next few to come."""
    rows = db.session.scalars(
        sa.select(Assignment)
        .options(joinedload(Assignment.zone))
        .where(Assignment.officer_id == officer_id, Assignment.ends_at > now)
        .order_by(Assignment.starts_at)
        .limit(limit + 1)
    ).all()
    current = next((a for a in rows if a.starts_at <= now), None)
    upcoming = [a for a in rows if a is not current][:limit]
    return OfficerDay(current=current, upcoming=upcoming)
