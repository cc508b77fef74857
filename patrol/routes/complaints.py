"""Public complaints (aduan warga): the resident's form and tracking page, the admins'
dispatch board, and the officer's answer (blueprint ``complaints``)."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from patrol.access import public, roles
from patrol.extensions import db, limiter
from patrol.inputs import parse, parse_all
from patrol.inputs.complaints import ComplaintForm, whatsapp_number
from patrol.inputs.field import GpsFix
from patrol.rules.timeutil import utcnow
from patrol.services import complaints, photos
from patrol.services.errors import ValidationError
from patrol.services.zones import list_zones
from patrol.web.htmx import is_htmx
from patrol.web.uploads import read_photo
from patrol.web.urls import parse_id

bp = Blueprint("complaints", __name__)

FORM_FIELDS = {"category", "description", "place", "photo", "reporter_phone", "consent"}


def _phone_key() -> str:
    """Rate-limit key: the reply phone number given (an empty one shares a single key)."""
    try:
        phone = whatsapp_number(request.form.get("reporter_phone"))
    except ValueError:
        phone = None
    return "complaint-phone:" + (phone or "none")


def _phone_limit_exempt() -> bool:
    # Complaints without a phone are limited by address only.
    return _phone_key() == "complaint-phone:none"


def _form(values=None, errors=None, status=200):
    return render_template(
        "complaints/form.html",
        categories=complaints.categories(),
        parks=list_zones(False),
        values=values or {},
        errors=errors or {},
        client_uuid=str(uuid.uuid4()),
        bounds=current_app.config["COMPLAINT_CITY_BOUNDS"],
        tile_url=current_app.config["TILE_URL"],
        retention_days=current_app.config["CHECKIN_RETENTION_DAYS"],
    ), status


@bp.route("/aduan", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["COMPLAINT_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["COMPLAINT_LIMIT_PER_PHONE"],
    key_func=_phone_key,
    methods=["POST"],
    exempt_when=_phone_limit_exempt,
)
def form():
    """The public complaint form (no login); a filed complaint leads to its tracking page."""
    if request.method == "GET":
        return _form()
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    try:
        filed = parse_all(ComplaintForm, values)
        # A field people never see: only robots fill it. They get the same answer as a
        # person with a mistake, and nothing is saved.
        if filed.is_robot:
            raise ValidationError(_("Aduan tidak bisa dikirim."), "_form")
        complaint, _created = complaints.file_complaint(
            filed, photo=read_photo(request.files.get("photo"))
        )
    except ValidationError as error:
        db.session.rollback()
        errors = getattr(error, "errors", None) or {error.field: error.message}
        shown: dict[str, str] = {}
        for field, message in errors.items():
            shown.setdefault(field if field in FORM_FIELDS else "_form", message)
        return _form(values, shown, 422)
    code = complaint.code
    db.session.commit()
    return redirect(url_for("complaints.track", code=code, baru=1), code=303)


@bp.route("/aduan/<code>")
@public
def track(code: str):
    """The tracking page: where the complaint stands, with WIB times; nothing personal."""
    complaint = complaints.by_code(code)
    if complaint is None:
        abort(404, description=_("Kode aduan tidak dikenal. Periksa lagi kodenya."))
    shown = complaints.followed(complaint)
    context = {
        "complaint": complaint,
        "shown": shown,
        "stages": complaints.stages(shown),
        "outcome": complaints.outcome(shown),
        "category": complaints.category_label(complaint.category),
        "fresh": request.args.get("baru") == "1",
    }
    template = "complaints/_track_status.html" if is_htmx() else "complaints/track.html"
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the code is in the address
    return response


# Dispatch board (admins) ---------------------------------------------------------------


def _board_context() -> dict:
    now = utcnow()
    waiting = complaints.open_complaints()
    picture = complaints.field_picture(now)
    rows = []
    for complaint in waiting:
        rows.append(
            {
                "complaint": complaint,
                "late": complaints.is_late(complaint, now),
                "officers": complaints.rank_officers(complaint, now, picture)
                if complaint.status in ("received", "assigned")
                else [],
                "duplicates": complaints.duplicates(complaint, waiting)
                if complaint.status in ("received", "assigned")
                else [],
            }
        )
    return {
        "rows": rows,
        "closed": complaints.recent_closed(),
        "now": now,
        "category_label": complaints.category_label,
        "map_points": [
            {
                "code": c.code,
                "lat": c.lat,
                "lon": c.lon,
                "label": complaints.category_label(c.category),
                "status": c.status,
            }
            for c in waiting
        ],
        "refresh_seconds": current_app.config["DASHBOARD_REFRESH_SECONDS"],
    }


def _board(status: int = 200, error: str | None = None, error_id: int | None = None):
    context = _board_context() | {"error": error, "error_id": error_id}
    if is_htmx():
        return render_template("complaints/_board_list.html", **context), status
    return render_template(
        "complaints/board.html", tile_url=current_app.config["TILE_URL"], **context
    ), status


def _complaint_or_404(complaint_id: int):
    complaint = complaints.get(complaint_id)
    if complaint is None:
        abort(404)
    return complaint


@bp.route("/admin/aduan")
@roles("admin")
def board():
    """The dispatch board: open complaints on a map and in a list, officers ranked for each."""
    response = make_response(_board())
    response.headers["Cache-Control"] = "no-store"
    return response


def _board_action(complaint_id: int, action):
    complaint = _complaint_or_404(complaint_id)
    try:
        action(complaint)
    except ValidationError as error:
        db.session.rollback()
        return _board(422, error.message, complaint_id)
    db.session.commit()
    return _board()


@bp.route("/admin/aduan/<int:complaint_id>/tugaskan", methods=["POST"])
@roles("admin")
def assign(complaint_id: int):
    """Send an officer to the complaint (one click on the board); audited."""
    officer_id = request.form.get("officer_id", type=parse_id)
    return _board_action(
        complaint_id, lambda c: complaints.assign(c, officer_id, current_user.id, utcnow())
    )


@bp.route("/admin/aduan/<int:complaint_id>/tolak", methods=["POST"])
@roles("admin")
def reject(complaint_id: int):
    """Reject a complaint (spam, not for Satpol PP) with a reason; audited."""
    reason = request.form.get("reason")
    return _board_action(
        complaint_id, lambda c: complaints.reject(c, current_user.id, reason, utcnow())
    )


@bp.route("/admin/aduan/<int:complaint_id>/gabung", methods=["POST"])
@roles("admin")
def merge(complaint_id: int):
    """Merge a duplicate into a nearby complaint; its tracking page follows that one."""
    into = request.form.get("into", type=parse_id)

    def action(complaint):
        primary = complaints.get(into) if into else None
        if primary is None:
            raise ValidationError(_("Pilih aduan tujuan."), "into")
        complaints.merge(complaint, primary, current_user.id, utcnow())

    return _board_action(complaint_id, action)


@bp.route("/admin/aduan/<int:complaint_id>/tutup", methods=["POST"])
@roles("admin")
def close(complaint_id: int):
    """Close a complaint answered without a visit, with the result; audited."""
    result = request.form.get("result")
    return _board_action(
        complaint_id,
        lambda c: complaints.close_without_visit(c, current_user.id, result, utcnow()),
    )


@bp.route("/aduan-foto/<int:complaint_id>")
@roles("admin", "officer")
def photo(complaint_id: int):
    """A complaint's photo: for admins, and for the officer it was assigned to."""
    complaint = _complaint_or_404(complaint_id)
    if current_user.role != "admin" and complaint.assigned_officer_id != current_user.id:
        abort(403)
    if not complaint.photo_path:
        abort(404)
    path = photos.upload_folder() / complaint.photo_path
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# The officer's phone -------------------------------------------------------------------


def _gps_from_form() -> GpsFix:
    return parse(GpsFix, request.form)


def _officer_fragment(error: str | None = None, status: int = 200):
    response = make_response(
        render_template(
            "complaints/_officer_tasks.html",
            tasks=complaints.for_officer(current_user.id),
            category_label=complaints.category_label,
            poll_seconds=current_app.config["COMPLAINT_POLL_SECONDS"],
            task_error=error,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/patroli/aduan")
@roles("officer")
def officer_tasks():
    """The complaints sent to this officer (a fragment the home page polls)."""
    return _officer_fragment()


@bp.route("/patroli/aduan/<int:complaint_id>/terima", methods=["POST"])
@roles("officer")
def accept(complaint_id: int):
    """Terima: an unscheduled visit starts at the complaint's place; on to that visit."""
    try:
        _complaint, visit = complaints.accept(
            current_user.id, complaint_id, request.form.get("uuid"), _gps_from_form()
        )
    except ValidationError as error:
        db.session.rollback()
        if is_htmx():
            return _officer_fragment(error.message, 422)
        abort(422, description=error.message)
    visit_uuid = visit.uuid
    db.session.commit()
    target = url_for("patrol.visit", visit_uuid=visit_uuid)
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


@bp.route("/patroli/aduan/<int:complaint_id>/selesai", methods=["POST"])
@roles("officer")
def finish(complaint_id: int):
    """End the complaint's visit and close the complaint with a result for the reporter."""
    try:
        complaint = complaints.close_by_visit(
            current_user.id,
            complaint_id,
            request.form.get("result"),
            _gps_from_form(),
            end_uuid=request.form.get("uuid"),
        )
    except ValidationError as error:
        db.session.rollback()
        complaint = complaints.get(complaint_id)
        if (
            complaint is None
            or complaint.visit is None
            or (complaint.assigned_officer_id != current_user.id)
        ):
            abort(422, description=error.message)
        return render_template(
            "complaints/finish_error.html",
            complaint=complaint,
            error=error.message,
            values=request.form.to_dict(),
        ), 422
    db.session.commit()
    return redirect(url_for("patrol.home"), code=303)
