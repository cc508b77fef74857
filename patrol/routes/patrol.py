"""The officer's side: today's shift and the park visits (blueprint ``patrol``)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from patrol.access import roles
from patrol.services.shifts import officer_day
from patrol.timeutil import utcnow

bp = Blueprint("patrol", __name__, url_prefix="/patroli")


@bp.route("/")
@roles("officer")
def home():
    """The officer's today: the current shift and the next ones."""
    day = officer_day(current_user.id, utcnow())
    return render_template("patrol/home.html", day=day)
