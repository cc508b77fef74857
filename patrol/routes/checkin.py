"""Office check-in: the guards' boards (blueprint ``checkin``)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from patrol.access import is_admin, roles
from patrol.services.occupancy import occupancy
from patrol.services.people import guard_office_ids

bp = Blueprint("checkin", __name__)


@bp.route("/jaga/")
@roles("guard", "admin")
def boards():
    """The offices this guard watches (all offices for an admin), with who is inside."""
    office_ids = None if is_admin(current_user) else sorted(guard_office_ids(current_user.id))
    return render_template("checkin/boards.html", offices=occupancy(office_ids))
