"""Command-line tasks of office check-in: closing time, purging personal data,
partitions, and rebuilding the hourly summary."""

from __future__ import annotations

import click
from flask import current_app

from patrol.extensions import db


@click.command("close-offices")
def close_offices_command():
    """Check out everyone still inside (or waiting) after closing time, or after midnight
    WIB for those let in after hours: nobody stays "inside" overnight. For cron."""
    from patrol.services.checkins import close_offices

    closed = close_offices()
    db.session.commit()
    click.echo(f"checked out at closing time: {closed}")


@click.command("purge-personal-data")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Remove visitors' personal data older than this many days (default 30).",
)
def purge_personal_data_command(days: int | None):
    """Blank visitors' names, phones, purposes, health answers, locations and turn-away
    reasons older than N days; anonymous counts stay."""
    from patrol.services.checkins import purge_personal_data

    if days is None:
        days = current_app.config["CHECKIN_RETENTION_DAYS"]
    purged = purge_personal_data(days)
    # Reporters' phones of public complaints go with the same retention period.
    from patrol.services.complaints import purge_reporter_phones

    phones = purge_reporter_phones(days)
    db.session.commit()
    click.echo(f"check-ins purged of personal data (older than {days} days): {purged}")
    click.echo(f"complaint reporters' phones removed (older than {days} days): {phones}")


@click.command("screen-mode")
@click.argument("entrance_id", type=int)
@click.argument("state", type=click.Choice(["on", "off"]))
def screen_mode_command(entrance_id: int, state: str):
    """Switch an entrance's screen mode on or off (rotating QR code on the guard's screen)."""
    from patrol.models import Entrance
    from patrol.services.offices import set_screen_mode

    entrance = db.session.get(Entrance, entrance_id)
    if entrance is None:
        raise click.ClickException(f"no entrance with id {entrance_id}")
    set_screen_mode(None, entrance, state == "on")
    db.session.commit()
    click.echo(f"screen mode {state}: {entrance.office.name} / {entrance.name}")
    if state == "on":
        click.echo("print the screen-mode poster and open the QR screen at the guard's desk")


@click.command("create-partitions")
@click.option(
    "--months",
    type=click.IntRange(min=0, max=120),
    default=3,
    show_default=True,
    help="Months ahead of the current one (UTC) that must have a partition.",
)
def create_partitions_command(months: int):
    """Create check-in partitions for this month and the next N (PostgreSQL); for a timer."""
    from patrol.services import partitions

    if not partitions.is_partitioned():
        click.echo(
            f"nothing to do: check-ins are not partitioned on this database "
            f"({db.engine.dialect.name}); only PostgreSQL after migration 0012 is."
        )
        return
    report = partitions.create_partitions(months)
    db.session.commit()
    click.echo(f"partitions created: {len(report.created)}")
    for name in report.created:
        click.echo(f"  {name}")
    if report.moved:
        click.echo(
            f"warning: {report.moved} check-ins were waiting in {partitions.DEFAULT} "
            "(the timer ran late) and moved to their month's partition"
        )
    if report.default_rows:
        click.echo(f"warning: {partitions.DEFAULT} still holds {report.default_rows} check-ins")
        raise SystemExit(1)


@click.command("rebuild-checkin-hours")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only from this day on (WIB, YYYY-MM-DD); all check-ins when left out.",
)
def rebuild_checkin_hours_command(since):
    """Recompute check-ins per office and hour (the check-in report) from the check-ins."""
    from patrol.services.occupancy_hours import rebuild_checkin_hours
    from patrol.timeutil import wib_day_bounds

    start = wib_day_bounds(since.date())[0] if since is not None else None
    rows = rebuild_checkin_hours(since=start)
    db.session.commit()
    click.echo(f"check-in hours rebuilt: {rows} office-hours")
