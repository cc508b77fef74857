"""JSON API under /api/v1 (blueprint ``api``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from patrol.access import public, roles, staff
from patrol.extensions import db
from patrol.openapi import describe_api
from patrol.services import sync as sync_service

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/csrf-token")
@staff
def csrf_token():
    """A fresh CSRF token for scripts that send JSON (the offline outbox)."""
    # The user's id lets the service worker send only that officer's outbox entries.
    response = jsonify(csrf_token=generate_csrf(), user_id=current_user.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sync", methods=["POST"])
@roles("officer")
def sync():
    """Apply the phone's outbox: visits, violations and crowd counts made offline."""
    payload = request.get_json(silent=True)
    records = payload.get("records") if isinstance(payload, dict) else None
    if not isinstance(records, list):
        return jsonify(error=_('Kirim JSON berbentuk {"records": [...]} dengan header CSRF.')), 400
    if len(records) > sync_service.MAX_RECORDS:
        return jsonify(
            error=_(
                "Paling banyak %(n)d catatan per kiriman; kirim sisanya terpisah.",
                n=sync_service.MAX_RECORDS,
            )
        ), 413
    results = sync_service.sync(current_user.id, records)
    db.session.commit()
    response = jsonify(results=[result.as_dict() for result in results])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3 description of this API (no data, only its shape)."""
    return jsonify(describe_api(url_for("auth.index", _external=True).rstrip("/")))
