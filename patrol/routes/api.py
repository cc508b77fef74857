"""JSON API under /api/v1 (blueprint ``api``)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from patrol.access import public, roles, staff
from patrol.extensions import begin_immediate, db
from patrol.inputs import json_body, parse
from patrol.inputs.api import MAX_RECORDS, ForecastQuery, SosRequest, SyncBatch
from patrol.inputs.openapi import (
    CsrfToken,
    EntryPhoto,
    ParkForecast,
    Parks,
    SosCreated,
    SyncResults,
    describe_api,
    described,
)
from patrol.models import Zone
from patrol.rules.timeutil import utcnow, wib_today
from patrol.services import crowd_hours, entry_photos
from patrol.services import sync as sync_service
from patrol.services.dashboard import FRESH_HOURS, park_record, raise_sos, zone_levels
from patrol.services.errors import ValidationError
from patrol.web.http_cache import shared_page
from patrol.web.microcache import app_cache

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Crowd levels change within minutes; caches may keep the open data this long.
PARKS_MAX_AGE = 60


@bp.route("/csrf-token")
@described(
    summary="A fresh CSRF token (any logged-in user)",
    who="user",
    answer=CsrfToken,
    responses={200: "The token.", 401: "The session ended."},
)
@staff
def csrf_token():
    """A fresh CSRF token for scripts that send JSON (the offline outbox)."""
    # The user's id lets the service worker send only that officer's outbox entries.
    response = jsonify(csrf_token=generate_csrf(), user_id=current_user.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/parks")
@described(
    summary="Open data: each active park's crowd level now (public)",
    who="public",
    answer=Parks,
    responses={200: "The parks (cached up to a minute)."},
)
@public
@shared_page
def parks():
    """Open data: each active park's current crowd level and when it was last counted."""
    config = current_app.config
    body = app_cache().get("api.parks", config["PUBLIC_FEED_CACHE_SECONDS"], _parks_json)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={PARKS_MAX_AGE}"
    return response


@bp.route("/parks/<int:zone_id>/forecast")
@described(
    summary="Open data: a park's expected crowding per WIB hour (public)",
    description=(
        "A seasonal profile of the park's crowd counts by day of week and hour, recent "
        "weeks weighing more; public holidays are like Sundays unless the park's own history "
        "says otherwise (docs/forecast.md)."
    ),
    who="public",
    query=ForecastQuery,
    answer=ParkForecast,
    responses={
        200: "24 hours (cached for minutes).",
        400: "Not a date (YYYY-MM-DD).",
        404: "No such park, or it is not active.",
        422: "A date before today or beyond the horizon.",
    },
)
@public
def park_forecast(zone_id: int):
    """Open data: a park's expected headcount and crowd level per WIB hour on one day."""
    zone = db.session.get(Zone, zone_id)
    if zone is None or not zone.active:
        return jsonify(error=_("Taman tidak ditemukan.")), 404
    try:
        query = parse(ForecastQuery, request.args)
    except ValidationError as error:
        return jsonify(error=error.message, field=error.field), 400
    try:
        day = crowd_hours.forecast_day(query.date, wib_today())
    except ValidationError as error:
        status = 422
        return jsonify(error=error.message, field=error.field), status
    seconds = current_app.config["FORECAST_CACHE_SECONDS"]

    def compute() -> bytes:
        record = crowd_hours.forecast_record(crowd_hours.forecasts([zone], day)[0])
        return current_app.json.dumps(record).encode() + b"\n"

    body = app_cache().get(f"api.forecast.{zone.id}.{day.isoformat()}", seconds, compute)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max(seconds, 60)}"
    return response


def _parks_json() -> bytes:
    config = current_app.config
    levels = zone_levels(utcnow(), config["CROWD_BUSY_PERCENT"], config["CROWD_OVER_PERCENT"])
    payload = {"parks": [park_record(z) for z in levels], "fresh_hours": FRESH_HOURS}
    return current_app.json.dumps(payload).encode() + b"\n"


@bp.route("/sos", methods=["POST"])
@described(
    summary="An officer's SOS with the phone's position (officers only)",
    who="officer",
    body=SosRequest,
    body_media=("application/json", "application/x-www-form-urlencoded"),
    answer=SosCreated,
    responses={
        201: "The alert (the first one for a retry).",
        400: "The CSRF token expired, or the JSON is malformed.",
        401: "The session ended: log in again.",
        403: "Not an officer.",
        422: "A field is invalid (see field).",
    },
)
@roles("officer")
def sos():
    """An officer's SOS with GPS (JSON or form); a retried send returns the same alert."""
    try:
        data = json_body(request) if request.is_json else request.form
        sos_input = parse(SosRequest, data)
        alert = raise_sos(
            current_user.id,
            sos_input.uuid,
            sos_input.lat,
            sos_input.lon,
            sos_input.accuracy_m,
            utcnow(),
        )
    except ValidationError as error:
        db.session.rollback()
        return jsonify(error=error.message, field=error.field), 422
    db.session.commit()
    return jsonify(id=alert.id, raised_at=alert.raised_at.isoformat()), 201


@bp.route("/sync", methods=["POST"])
@described(
    summary="Send the phone's outbox (officers only)",
    description=(
        "Records are applied oldest first, each visit's start before its entries, in any "
        "order within the batch; each in its own savepoint, so one bad record is rejected "
        f"alone and the rest are taken. At most {MAX_RECORDS}."
    ),
    who="officer",
    body=SyncBatch,
    answer=SyncResults,
    responses={
        200: "One result per record, in the order sent.",
        400: "Not JSON, too deeply nested, or the CSRF token expired.",
        401: "The session ended: log in again.",
        403: "Not an officer.",
        413: f"More than {MAX_RECORDS} records.",
    },
)
@roles("officer")
@begin_immediate
def sync():
    """Apply the phone's outbox: visits, violations and crowd counts made offline."""
    try:
        payload = json_body(request)
    except ValidationError as error:
        return jsonify(error=error.message), 400
    try:
        batch = parse(SyncBatch, payload if isinstance(payload, dict) else {})
    except ValidationError:
        return jsonify(error=_('Kirim JSON berbentuk {"records": [...]} dengan header CSRF.')), 400
    if len(batch.records) > MAX_RECORDS:
        return jsonify(
            error=_(
                "Paling banyak %(n)d catatan per kiriman; kirim sisanya terpisah.", n=MAX_RECORDS
            )
        ), 413
    results = sync_service.sync(current_user.id, list(batch.records))
    db.session.commit()
    response = jsonify(results=[result.as_dict() for result in results])
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Entry photos (issue 16, engineer field): a photo sent after its entry, once. ---


@bp.route("/entries/<entry_uuid>/photo", methods=["POST"])
@described(
    summary="Attach a violation's photo by the violation's UUID (officers)",
    description=(
        "Sent after the entry itself (online or from the outbox), shrunk on the phone. "
        "Exactly once: while the entry has a photo, another upload stores nothing and gets "
        "the same answer. The server re-encodes it as JPEG without metadata and keeps a "
        "thumbnail."
    ),
    who="officer",
    upload="photo",
    path={
        "entry_uuid": {
            "schema": {"type": "string", "format": "uuid"},
            "description": "The violation's client UUID.",
        }
    },
    answer=EntryPhoto,
    responses={
        200: "Stored now, or already stored (a retry).",
        400: "The CSRF token expired.",
        401: "The session ended: log in again.",
        403: "Another officer's entry.",
        404: "No violation has this UUID.",
        413: "The photo is too large.",
        422: "No photo, or not an image.",
    },
)
@roles("officer")
def entry_photo(entry_uuid: str):
    """Attach the photo of a violation by the violation's UUID; a retry changes nothing."""
    upload = request.files.get("photo")
    try:
        data = upload.stream.read(current_app.config["PHOTO_MAX_BYTES"] + 1) if upload else None
        attached = entry_photos.attach_photo(current_user.id, entry_uuid, data)
    except entry_photos.EntryNotFound:
        return jsonify(error=_("Catatan untuk foto ini tidak ditemukan.")), 404
    except entry_photos.NotYours:
        return jsonify(error=_("Catatan ini milik petugas lain.")), 403
    except ValidationError as error:
        db.session.rollback()
        too_big = data is not None and len(data) > current_app.config["PHOTO_MAX_BYTES"]
        return jsonify(error=error.message, field=error.field), 413 if too_big else 422
    db.session.commit()
    violation = attached.violation
    response = jsonify(
        uuid=violation.uuid,
        photo_url=url_for("patrol.violation_photo", entry_id=violation.id),
        thumbnail_url=url_for("patrol.violation_thumbnail", entry_id=violation.id),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- end of entry photos ---


@bp.route("/openapi.json")
@described(
    summary="This description (public)", who="public", responses={200: "OpenAPI 3.1 document"}
)
@public
def openapi():
    """The OpenAPI 3 description of this API (no data, only its shape)."""
    server = url_for("auth.index", _external=True).rstrip("/")
    return jsonify(describe_api(current_app, server))
