"""The patrol coverage rules, in one place: when a visit counts for its zone, when a shift
was kept, and when the dashboard raises "not visited" and "missed" (docs/alerts.md).

Each rule is an SQL expression or one query, so the dashboard and the coverage report ask
the database the same question, and the number of statements never grows with the number
of shifts or zones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Assignment, User, Visit, Zone
from patrol.services import late_entries

# The verdicts that put a visit in its zone: inside, or a GPS fix whose accuracy circle
# straddles the boundary (the officer is given the benefit of the doubt). "outside" and
# "no_gps" at the start count only when the visit ended inside.
COUNTING_START_VERDICTS = ("inside", "uncertain")


def visit_in_zone():
    """SQL condition: this visit was made inside its zone (at its start or at its end)."""
    return sa.or_(
        Visit.start_geofence.in_(COUNTING_START_VERDICTS),
        Visit.end_geofence == "inside",
    )


def shift_kept(shift=Assignment):
    """SQL EXISTS: the shift's officer started a visit inside the shift's zone during it,
    and the visit reached the server by the shift's end plus ``SHIFT_SYNC_GRACE_MINUTES``.

    The one definition of a kept shift, used by the dashboard's "missed" alert and by the
    coverage report. ``shift`` may be an alias of Assignment.
    """
    return (
        sa.select(Visit.id)
        .where(
            Visit.officer_id == shift.officer_id,
            Visit.zone_id == shift.zone_id,
            Visit.started_at >= shift.starts_at,
            Visit.started_at < shift.ends_at,
            visit_in_zone(),
            # Sent by the shift's end plus grace: a back-dated visit synced days later
            # does not keep a shift that had already been missed (services/late_entries).
            late_entries.arrived_by(shift.ends_at, Visit.created_at, late_entries.shift_grace()),
        )
        .exists()
    )


def shift_missed(now: datetime, shift=Assignment):
    """SQL condition: the shift has ended by ``now`` and was not kept."""
    return sa.and_(shift.ends_at <= now, ~shift_kept(shift))


def unvisited_zones(now: datetime, grace_minutes: int, unvisited_hours: float) -> list[str]:
    """Names of zones with a shift running for at least ``grace_minutes`` and no visit made
    inside the zone in the last ``unvisited_hours`` (one query)."""
    on_shift_past_grace = (
        sa.select(Assignment.id)
        .where(
            Assignment.zone_id == Zone.id,
            Assignment.running_at(now),
            Assignment.starts_at <= now - timedelta(minutes=grace_minutes),
        )
        .exists()
    )
    recent_visit = (
        sa.select(Visit.id)
        .where(
            Visit.zone_id == Zone.id,
            Visit.started_at >= now - timedelta(hours=unvisited_hours),
            Visit.started_at <= now,
            visit_in_zone(),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Zone.name)
            .where(Zone.active.is_(True), on_shift_past_grace, ~recent_visit)
            .order_by(Zone.name)
        )
    )


def missed_shifts(now: datetime, since: datetime) -> list:
    """Shifts that ended between ``since`` and ``now`` without being kept: officer name,
    zone name, start and end (one query). A running shift is never missed."""
    return db.session.execute(
        sa.select(
            User.full_name,
            Zone.name.label("zone"),
            Assignment.starts_at,
            Assignment.ends_at,
        )
        .join(User, User.id == Assignment.officer_id)
        .join(Zone, Zone.id == Assignment.zone_id)
        .where(Assignment.overlapping(since, now), shift_missed(now))
        .order_by(Assignment.ends_at, User.full_name)
    ).all()
