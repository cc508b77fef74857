"""Command-line tasks for field logging."""

from __future__ import annotations

import click

from patrol.extensions import db


@click.command("close-visits")
def close_visits_command():
    """Close visits left open past the end of their shift (marked closed by the system)."""
    from patrol.services.field import close_overdue_visits

    closed = close_overdue_visits()
    db.session.commit()
    click.echo(f"visits closed: {closed}")


@click.command("rebuild-crowd-hours")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only from this day on (WIB, YYYY-MM-DD); all crowd counts when left out.",
)
def rebuild_crowd_hours_command(since):
    """Recompute crowd counts per zone and hour (the forecasts) from the crowd counts."""
    from patrol.services.crowd_hours import rebuild_crowd_hours
    from patrol.timeutil import wib_day_bounds

    start = wib_day_bounds(since.date())[0] if since is not None else None
    rows = rebuild_crowd_hours(since=start)
    db.session.commit()
    click.echo(f"crowd hours rebuilt: {rows} zone-hours")
