"""Command-line tasks: ``flask --app patrol <command>``."""

from __future__ import annotations

import click
from flask import Flask

from patrol import checkin_commands, export_cli
from patrol.extensions import db
from patrol.field_cli import close_visits_command, rebuild_crowd_hours_command
from patrol.load_cli import seed_load_command
from patrol.models import ROLES


def register(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_reference_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(checkin_commands.close_offices_command)
    app.cli.add_command(checkin_commands.purge_personal_data_command)
    app.cli.add_command(checkin_commands.create_partitions_command)
    app.cli.add_command(checkin_commands.rebuild_checkin_hours_command)
    app.cli.add_command(checkin_commands.screen_mode_command)
    app.cli.add_command(close_visits_command)
    app.cli.add_command(rebuild_crowd_hours_command)
    app.cli.add_command(seed_load_command)
    app.cli.add_command(export_cli.export_worker_command)
    app.cli.add_command(export_cli.purge_exports_command)


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

    from patrol.services.seed import database_is_empty, seed_demo

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
    from patrol.services.seed import ensure_reference_data

    added = ensure_reference_data()
    db.session.commit()
    click.echo(f"reference data: {added} added")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str):
    """Write a consistent backup of the database to PATH (SQLite copy or pg_dump file)."""
    from pathlib import Path

    from flask import current_app

    from patrol.backup import backup_database

    try:
        message = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(path))
    except (RuntimeError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(message)
