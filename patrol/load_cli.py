"""``flask --app patrol seed-load``: a year of realistic volumes for load and scale tests."""

from __future__ import annotations

import time

import click
from flask import current_app

from patrol.extensions import db


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
    from patrol.services.seed_load import seed_load

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
