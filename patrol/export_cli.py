"""Command-line tasks for export jobs: the RQ worker and the expiry sweep."""

from __future__ import annotations

import click
from flask import current_app

from patrol.extensions import db


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
