"""Public pages and the health check (blueprint ``public``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, make_response, render_template

from patrol.access import public
from patrol.extensions import db
from patrol.rules.crowd import level_labels
from patrol.rules.timeutil import utcnow
from patrol.services import crowd_hours, partitions
from patrol.services.dashboard import park_record, zone_levels
from patrol.web.http_cache import shared_page

bp = Blueprint("public", __name__)


@bp.route("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not (for monitoring).

    A ``warning`` says when check-ins wait in the default partition (PostgreSQL): the
    monthly create-partitions timer did not run.
    """
    try:
        db.session.execute(sa.text("SELECT 1"))
        late = partitions.default_has_rows()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    if late:
        return jsonify(status="ok", warning="checkins_default has rows: run create-partitions")
    return jsonify(status="ok")


@bp.route("/taman")
@public
@shared_page
def parks():
    """Which park is quiet right now: every park's crowd level, last count time and a map."""
    config = current_app.config
    now = utcnow()
    levels = zone_levels(now, config["CROWD_BUSY_PERCENT"], config["CROWD_OVER_PERCENT"])
    day, hour = crowd_hours.local_slot(now)
    by_zone = {f.zone_id: f for f in crowd_hours.cached_forecasts(levels, day, now)}
    parks = [(park_record(z), z.counted_at, by_zone[z.id]) for z in levels]
    response = make_response(
        render_template(
            "public/parks.html",
            parks=parks,
            level_labels=level_labels(),
            tile_url=config["TILE_URL"],
            now_hour=hour,
        )
    )
    # The same page for every visitor (no session, no user, no CSRF token: a shared page),
    # so nginx keeps one copy a minute for everyone (deploy/nginx-patroli.conf).
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
