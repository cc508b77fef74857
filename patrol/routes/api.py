"""JSON API under /api/v1 (blueprint ``api``)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from patrol.access import public, roles, staff
from patrol.extensions import db
from patrol.services.dashboard import FRESH_HOURS, park_record, raise_sos, zone_levels
from patrol.services.errors import ValidationError
from patrol.timeutil import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Crowd levels change within minutes; caches may keep the open data this long.
PARKS_MAX_AGE = 60


@bp.route("/csrf-token")
@staff
def csrf_token():
    """A fresh CSRF token for scripts that send JSON (the offline outbox)."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/parks")
@public
def parks():
    """Open data: each active park's current crowd level and when it was last counted."""
    config = current_app.config
    levels = zone_levels(utcnow(), config["CROWD_BUSY_PERCENT"], config["CROWD_OVER_PERCENT"])
    response = jsonify(parks=[park_record(z) for z in levels], fresh_hours=FRESH_HOURS)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={PARKS_MAX_AGE}"
    return response


@bp.route("/sos", methods=["POST"])
@roles("officer")
def sos():
    """An officer's SOS with GPS (JSON or form); a retried send returns the same alert."""
    data = request.get_json(silent=True) or request.form
    try:
        alert = raise_sos(
            current_user.id,
            data.get("uuid", ""),
            data.get("lat"),
            data.get("lon"),
            data.get("accuracy_m"),
            utcnow(),
        )
    except ValidationError as error:
        db.session.rollback()
        return jsonify(error=error.message, field=error.field), 422
    db.session.commit()
    return jsonify(id=alert.id, raised_at=alert.raised_at.isoformat()), 201
