"""Command-line tasks: ``flask --app patrol <command>``, all of them in this one module.

Each command imports what it needs when it runs, so ``flask --help`` stays quick.
"""

from __future__ import annotations

import time

import click
from flask import Flask, current_app

from patrol.extensions import db
from patrol.models import ROLES


def register(app: Flask) -> None:
    """Add every command to the app's ``flask`` CLI."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_reference_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(close_offices_command)
    app.cli.add_command(purge_personal_data_command)
    app.cli.add_command(create_partitions_command)
    app.cli.add_command(rebuild_checkin_hours_command)
    app.cli.add_command(screen_mode_command)
    app.cli.add_command(close_visits_command)
    app.cli.add_command(rebuild_crowd_hours_command)
    app.cli.add_command(seed_load_command)
    app.cli.add_command(export_worker_command)
    app.cli.add_command(purge_exports_command)


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--password", help="Prompted for (hidden) when left out.")
@click.option("--name", "full_name", help="Full name shown in the app.")
def create_user_command(username: str, role: str, password: str | None, full_name: str | None):
    """Create a user (admin, officer or guard)."""
    from patrol.services.errors import ValidationError
    from patrol.services.people import create_user

    if role not in ROLES:
        raise click.ClickException(f"unknown role '{role}'; choose one of: {', '.join(ROLES)}")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, role, password, full_name)
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"created {user.role} '{user.username}'")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
def seed_demo_command(if_empty: bool):
    """Add Kota Malang demo data (parks, offices, one user per role); safe to run twice."""
    from flask import current_app

    from patrol.demo.seed import database_is_empty, seed_demo

    if if_empty and not database_is_empty():
        click.echo("database already has data; demo seed skipped")
        return
    result = seed_demo(password=current_app.config.get("SEED_DEMO_PASSWORD"))
    db.session.commit()
    summary = ", ".join(f"{n} {what}" for what, n in result.created.items())
    click.echo(f"demo data added: {summary}")
    if result.credentials:
        click.echo("demo logins (shown once; write them down):")
        for username, password in result.credentials.items():
            click.echo(f"  {username:<8} {password}")


@click.command("seed-reference")
def seed_reference_command():
    """Add the starting violation categories and actions (local rules) where missing."""
    from patrol.demo.seed import ensure_reference_data

    added = ensure_reference_data()
    db.session.commit()
    click.echo(f"reference data: {added} added")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str):
    """Write a consistent backup of the database to PATH (SQLite copy or pg_dump file)."""
    from pathlib import Path

    from flask import current_app

    from patrol.services.backup import backup_database

    try:
        message = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(path))
    except (RuntimeError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(message)


# Field logging ------------------------------------------------------------------------


@click.command("close-visits")
def close_visits_command():
    """Close visits left open past the end of their shift (marked closed by the system)."""
    from patrol.services.visits import close_overdue_visits

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
    from patrol.rules.timeutil import wib_day_bounds
    from patrol.services.crowd_hours import rebuild_crowd_hours

    start = wib_day_bounds(since.date())[0] if since is not None else None
    rows = rebuild_crowd_hours(since=start)
    db.session.commit()
    click.echo(f"crowd hours rebuilt: {rows} zone-hours")


# Office check-in: closing time, personal data, partitions, the hourly summary ----------


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
    reasons, and complaint reporters' phones, older than N days; anonymous counts stay."""
    from patrol.services.checkins import purge_personal_data
    from patrol.services.complaints import purge_reporter_phones

    if days is None:
        days = current_app.config["CHECKIN_RETENTION_DAYS"]
    purged = purge_personal_data(days)
    # Reporters' phones of public complaints go with the same retention period.
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
    from patrol.rules.timeutil import wib_day_bounds
    from patrol.services.occupancy_hours import rebuild_checkin_hours

    start = wib_day_bounds(since.date())[0] if since is not None else None
    rows = rebuild_checkin_hours(since=start)
    db.session.commit()
    click.echo(f"check-in hours rebuilt: {rows} office-hours")


# Load data for load and scale tests ---------------------------------------------------


@click.command("seed-load")
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Share of a full year's volume (0.001 for a quick run).",
)
@click.option(
    "--days", type=int, default=365, show_default=True, help="Days of data, ending today (WIB)."
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed: the same seed gives the same data.",
)
def seed_load_command(scale: float, days: int, seed: int):
    """Generate check-ins, violations, crowd counts, shifts and visits in bulk."""
    from patrol.demo.seed_load import seed_load

    if not 0 < scale <= 10:
        raise click.BadParameter("must be above 0 and at most 10", param_hint="--scale")
    if not 1 <= days <= 3660:
        raise click.BadParameter("must be between 1 and 3660", param_hint="--days")
    began = time.monotonic()
    result = seed_load(
        scale=scale,
        days=days,
        seed=seed,
        busy_percent=current_app.config["CROWD_BUSY_PERCENT"],
        over_percent=current_app.config["CROWD_OVER_PERCENT"],
        progress=click.echo,
    )
    db.session.commit()
    summary = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    click.echo(f"load data added in {time.monotonic() - began:.1f} s: {summary}")


# Export jobs: the RQ worker and the expiry sweep ----------------------------------------


@click.command("export-worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
def export_worker_command(burst: bool):
    """Run export jobs from the RQ queue on EXPORT_QUEUE_URL (one job at a time)."""
    from patrol.services import export_jobs

    if not current_app.config.get("EXPORT_QUEUE_URL"):
        raise click.ClickException(
            "EXPORT_QUEUE_URL is not set: without a queue, exports run inside the web process"
        )
    export_jobs.work(burst=burst)


@click.command("purge-exports")
def purge_exports_command():
    """Delete export files and their jobs past EXPORT_KEEP_HOURS."""
    from patrol.services import export_jobs

    removed = export_jobs.purge_expired()
    db.session.commit()
    click.echo(f"expired exports removed: {removed}")
