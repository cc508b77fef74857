"""Public pages and the health check (blueprint ``public``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from patrol.access import public
from patrol.extensions import db

bp = Blueprint("public", __name__)


@bp.route("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not (for monitoring)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok")
