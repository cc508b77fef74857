"""Command-line tasks for field logging."""

from __future__ import annotations

import click

from patrol.extensions import db


@click.command("close-visits")
def close_visits_command():
    """Close visits left open past the end of their shift (marked closed by the system)."""
    from patrol.services.visits import close_overdue_visits

    closed = close_overdue_visits()
    db.session.commit()
    click.echo(f"visits closed: {closed}")
