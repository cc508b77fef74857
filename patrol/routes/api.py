"""JSON API under /api/v1 (blueprint ``api``)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_wtf.csrf import generate_csrf

from patrol.access import staff

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/csrf-token")
@staff
def csrf_token():
    """A fresh CSRF token for scripts that send JSON (the offline outbox)."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response
