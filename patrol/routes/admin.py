"""Admin pages (blueprint ``admin``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from patrol.access import roles
from patrol.extensions import db
from patrol.models import Assignment, Office, User, Zone
from patrol.timeutil import utcnow, wib_day_bounds, wib_today

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@roles("admin")
def home():
    """The admin's start page: what is planned today and what exists."""
    start, end = wib_day_bounds(wib_today())
    counts = {
        "zones": db.session.scalar(sa.select(sa.func.count(Zone.id)).where(Zone.active)),
        "offices": db.session.scalar(sa.select(sa.func.count(Office.id)).where(Office.active)),
        "users": db.session.scalar(sa.select(sa.func.count(User.id)).where(User.active)),
        "shifts_today": db.session.scalar(
            sa.select(sa.func.count(Assignment.id)).where(
                Assignment.starts_at < end, Assignment.ends_at > start
            )
        ),
    }
    return render_template("admin/home.html", counts=counts, now=utcnow())
