"""Checkpoints and patrol rounds (blueprint ``rounds``).

Admins place checkpoints on a zone's map, print their stickers, write NFC tags, define
rounds and close missed-checkpoint alerts under ``/admin/titik``. Officers scan a
checkpoint during a visit at ``/patroli/kunjungan/<uuid>/titik``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from patrol.access import own_visit_or_abort, roles
from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.field import CheckpointScanForm
from patrol.models import Checkpoint, PatrolRound, Zone
from patrol.rules import geofence
from patrol.rules.timeutil import utcnow
from patrol.services import checkpoints
from patrol.services.errors import ValidationError
from patrol.web.htmx import is_htmx
from patrol.web.urls import parse_id

bp = Blueprint("rounds", __name__)

# How far back the alert list looks for missed checkpoints.
ALERT_DAYS = 7
CHECKPOINT_FIELDS = {"name", "lat", "lon"}
ROUND_FIELDS = {"name", "interval", "checkpoints"}


def _zone_or_404(zone_id: int) -> Zone:
    zone = db.session.get(Zone, zone_id)
    if zone is None:
        abort(404)
    return zone


def _checkpoint_or_404(checkpoint_id: int) -> Checkpoint:
    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    if checkpoint is None:
        abort(404)
    return checkpoint


def _errors(error: ValidationError | None, known: set[str]) -> dict[str, str]:
    if error is None:
        return {}
    return {error.field if error.field in known else "_form": error.message}


# Admin pages ----------------------------------------------------------------------------


@bp.route("/admin/titik/")
@roles("admin")
def index():
    """Zones with their checkpoints and rounds, and how many alerts are open."""
    return render_template(
        "rounds/index.html",
        zones=checkpoints.zones_with_checkpoints(),
        open_count=checkpoints.open_alert_count(utcnow(), ALERT_DAYS),
    )


def _render_zone(zone: Zone, status: int = 200, **context):
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("round_values", {})
    context.setdefault("round_errors", {})
    centre = geofence.centre(zone.geometry)
    return render_template(
        "rounds/zone.html",
        zone=zone,
        centre=centre,
        items=checkpoints.zone_checkpoints(zone.id),
        patrol_rounds=checkpoints.zone_rounds(zone.id),
        radius_m=checkpoints.radius_m(),
        **context,
    ), status


@bp.route("/admin/titik/zona/<int:zone_id>", methods=["GET", "POST"])
@roles("admin")
def zone(zone_id: int):
    """A zone's checkpoints on its map (GET), and placing a new one (POST)."""
    zone = _zone_or_404(zone_id)
    if request.method == "GET":
        return _render_zone(zone)
    form = request.form
    try:
        checkpoint = checkpoints.create_checkpoint(
            current_user.id, zone.id, form.get("name"), form.get("lat"), form.get("lon")
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_zone(
            zone, 422, values=form.to_dict(), errors=_errors(error, CHECKPOINT_FIELDS)
        )
    db.session.commit()
    flash(_("Titik %(name)s ditambahkan.", name=checkpoint.name), "success")
    return redirect(url_for("rounds.zone", zone_id=zone.id), code=303)


@bp.route("/admin/titik/zona/<int:zone_id>/putaran", methods=["POST"])
@roles("admin")
def new_round(zone_id: int):
    """Define a round: checkpoints in the order of their numbers, and the interval."""
    zone = _zone_or_404(zone_id)
    form = request.form
    chosen = []
    for position, raw in enumerate(form.getlist("checkpoint")):
        order = form.get(f"order_{raw}", "").strip()
        if raw.isdigit():
            chosen.append((int(order) if order.isdigit() else 10_000 + position, int(raw)))
    try:
        patrol_round = checkpoints.create_round(
            current_user.id,
            zone.id,
            form.get("name"),
            form.get("interval"),
            [cid for _order, cid in sorted(chosen)],
            ordered=form.get("ordered") == "1",
        )
    except ValidationError as error:
        db.session.rollback()
        values = form.to_dict()
        values["checkpoint"] = form.getlist("checkpoint")
        return _render_zone(
            zone, 422, round_values=values, round_errors=_errors(error, ROUND_FIELDS)
        )
    db.session.commit()
    flash(_("Putaran %(name)s disimpan.", name=patrol_round.name), "success")
    return redirect(url_for("rounds.zone", zone_id=zone.id), code=303)


@bp.route("/admin/titik/putaran/<int:round_id>/aktif", methods=["POST"])
@roles("admin")
def toggle_round(round_id: int):
    """Switch a round on or off."""
    patrol_round = db.session.get(PatrolRound, round_id)
    if patrol_round is None:
        abort(404)
    checkpoints.set_round_active(current_user.id, patrol_round, not patrol_round.active)
    db.session.commit()
    return redirect(url_for("rounds.zone", zone_id=patrol_round.zone_id), code=303)


@bp.route("/admin/titik/<int:checkpoint_id>/aktif", methods=["POST"])
@roles("admin")
def toggle_checkpoint(checkpoint_id: int):
    """Switch a checkpoint on or off; a switched-off tag is refused when scanned."""
    checkpoint = _checkpoint_or_404(checkpoint_id)
    checkpoints.set_checkpoint_active(current_user.id, checkpoint, not checkpoint.active)
    db.session.commit()
    return redirect(url_for("rounds.zone", zone_id=checkpoint.zone_id), code=303)


@bp.route("/admin/titik/<int:checkpoint_id>/token-baru", methods=["POST"])
@roles("admin")
def reissue(checkpoint_id: int):
    """Give a checkpoint a new token; the old sticker or tag stops working."""
    checkpoint = _checkpoint_or_404(checkpoint_id)
    checkpoints.reissue_token(current_user.id, checkpoint)
    db.session.commit()
    flash(_("Kode baru untuk %(name)s: cetak stikernya lagi.", name=checkpoint.name), "success")
    return redirect(url_for("rounds.zone", zone_id=checkpoint.zone_id), code=303)


@bp.route("/admin/titik/<int:checkpoint_id>/stiker")
@roles("admin")
def sticker(checkpoint_id: int):
    """A printable sticker: the checkpoint's QR code (its bare token), name and zone."""
    checkpoint = _checkpoint_or_404(checkpoint_id)
    qr = segno.make(checkpoint.token, error="m")
    return render_template(
        "rounds/sticker.html",
        checkpoint=checkpoint,
        qr_svg=qr.svg_inline(scale=8, border=2, omitsize=True),
    )


@bp.route("/admin/titik/peringatan")
@roles("admin")
def alerts():
    """Open missed-checkpoint alerts of the last days, each with a close-with-comment form."""
    since = utcnow() - timedelta(days=ALERT_DAYS)
    return render_template(
        "rounds/alerts.html", items=checkpoints.open_alerts(since), days=ALERT_DAYS, errors={}
    )


@bp.route("/admin/titik/peringatan/tutup", methods=["POST"])
@roles("admin")
def close_alert():
    """Close one missed-checkpoint alert with the comment saying why."""
    form = request.form
    try:
        due_at = datetime.fromisoformat(form.get("due_at", ""))
        if due_at.tzinfo is None:
            raise ValueError
        checkpoints.close_alert(
            current_user.id,
            form.get("assignment_id", type=parse_id),
            form.get("checkpoint_id", type=parse_id),
            due_at,
            form.get("comment"),
        )
    except ValueError:
        abort(400)
    except ValidationError as error:
        db.session.rollback()
        since = utcnow() - timedelta(days=ALERT_DAYS)
        key = f"{form.get('assignment_id')}:{form.get('checkpoint_id')}:{form.get('due_at')}"
        items = checkpoints.open_alerts(since)
        # An alert closed meanwhile is no longer listed: its message goes on top.
        listed = any(m.key == key for m in items)
        return render_template(
            "rounds/alerts.html",
            items=items,
            days=ALERT_DAYS,
            errors={key: error.message} if listed else {},
            form_error=None if listed else error.message,
        ), 422
    db.session.commit()
    flash(_("Peringatan ditutup."), "success")
    return redirect(url_for("rounds.alerts"), code=303)


# The officer's scan ---------------------------------------------------------------------


@bp.route("/patroli/kunjungan/<visit_uuid>/titik", methods=["POST"])
@roles("officer")
def scan(visit_uuid: str):
    """Save a scanned checkpoint (QR or NFC token) with GPS; back comes the round card."""
    visit = own_visit_or_abort(visit_uuid)
    form = request.form
    try:
        typed = parse(CheckpointScanForm, form)
        scan_row, created = checkpoints.record_checkpoint_scan(
            current_user.id, visit.uuid, typed.token, typed.uuid, None, typed.gps
        )
    except ValidationError as error:
        db.session.rollback()
        if not is_htmx():
            flash(error.message, "error")
            return redirect(url_for("patrol.visit", visit_uuid=visit.uuid), code=303)
        return render_template(
            "patrol/_checkpoints.html",
            visit=visit,
            checkpoint_panel=checkpoints.visit_panel(visit),
            scan_error=error.message,
        ), 422
    db.session.commit()
    if created:
        message = _("%(name)s dipindai.", name=scan_row.checkpoint.name)
    else:
        message = _("Pindaian ini sudah tersimpan.")
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("patrol.visit", visit_uuid=visit.uuid), code=303)
    return render_template(
        "patrol/_checkpoints.html",
        visit=visit,
        checkpoint_panel=checkpoints.visit_panel(visit),
        scan_saved=message,
        highlight=scan_row.id,
    )
