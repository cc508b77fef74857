"""The officer's side: today's shift and the park visits (blueprint ``patrol``)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import unquote

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import ValidationError as PydanticError

from patrol.access import can_see_visit_record, own_visit_or_abort, owns_visit, public, roles, staff
from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.field import (
    CrowdCountFields,
    CrowdCountForm,
    ViolationFields,
    ViolationForm,
    VisitEndForm,
    VisitStartForm,
)
from patrol.inputs.messages import message_for
from patrol.models import CrowdCount, Violation, Visit
from patrol.rules.timeutil import utcnow
from patrol.services import (
    checkpoints,
    complaints,
    crowd_hours,
    entries,
    entry_photos,
    nik_lookups,
    photos,
    records,
    visits,
)
from patrol.services.errors import ValidationError
from patrol.services.shifts import officer_day
from patrol.services.zones import list_zones
from patrol.web import pwa
from patrol.web.htmx import is_htmx
from patrol.web.uploads import read_photo

bp = Blueprint("patrol", __name__, url_prefix="/patroli")

# Fields each form shows its own message beside; any other field's message goes on top.
VIOLATION_FIELDS = {"category", "action", "people_count", "fine_amount", "offender_name"}
VIOLATION_FIELDS |= {"offender_nik", "notes", "photo"}
CROWD_FIELDS = {"headcount"}
# Fails the photo check, which the service makes last, before writing anything.
NOT_A_PHOTO = b"not a photo"


def _errors(error: ValidationError | None, known: set[str]) -> dict[str, str]:
    if error is None:
        return {}
    return {error.field if error.field in known else "_form": error.message}


def _entry(model, entry_id: int):
    """A violation or crowd count of the current officer's own visits (403 for others')."""
    entry = db.session.get(model, entry_id)
    if entry is None:
        abort(404)
    if not owns_visit(current_user, entry.visit):
        abort(403, description=_("Catatan ini milik petugas lain."))
    return entry


def _commit_keeping_rows() -> None:
    """Commit, leaving the rows this request loaded and wrote as they are in memory.

    The answer shows the entry just saved, its visit and the officer: all written or read
    by this request. Expired by the commit, each would be loaded again to be rendered
    (three statements); the session ends with the request, so nothing stale outlives it.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _render_visit(visit: Visit, status: int = 200, **context):
    """The visit screen, or only its main part for htmx (the same partial)."""
    context.setdefault("panel", None)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("new_uuid", str(uuid.uuid4()))
    if context["panel"] in ("violation", "edit_violation"):
        context["categories"] = entries.categories()
        context["actions"] = entries.actions()
    context["entries"] = entries.timeline(visit, current_user.id)
    context["checkpoint_panel"] = checkpoints.visit_panel(visit)
    context["visit_complaint"] = complaints.for_visit(visit.id)
    context["crowd_config"] = {
        "busy": current_app.config["CROWD_BUSY_PERCENT"],
        "over": current_app.config["CROWD_OVER_PERCENT"],
    }
    template = "patrol/_visit_main.html" if is_htmx() else "patrol/visit.html"
    return render_template(template, visit=visit, **context), status


def _render_entry(visit: Visit, status: int = 200, new_entry=None, created=True, **context):
    """The answer of the entry buttons and of a new entry's form.

    For htmx only the panel (#entry-panel), the buttons and the new entry itself, so that
    its cost does not grow with the visit's timeline; without htmx the whole visit page.
    """
    if not is_htmx():
        if new_entry is not None:
            context["highlight"] = (new_entry.kind, new_entry.entry.id)
        return _render_visit(visit, status, **context)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("new_uuid", str(uuid.uuid4()))
    if context["panel"] == "violation" and "categories" not in context:
        context["categories"] = entries.categories()
        context["actions"] = entries.actions()
    context["crowd_config"] = {
        "busy": current_app.config["CROWD_BUSY_PERCENT"],
        "over": current_app.config["CROWD_OVER_PERCENT"],
    }
    if new_entry is not None:
        context["highlight"] = (new_entry.kind, new_entry.entry.id)
    return render_template(
        "patrol/_entry_answer.html", visit=visit, new_entry=new_entry, created=created, **context
    ), status


@bp.route("/")
@roles("officer")
def home():
    """The officer's today: the current shift, the next ones, and the visit in progress."""
    now = utcnow()
    open_visit, closed = visits.settle_open_visit(current_user.id, now)
    if closed:
        db.session.commit()
        flash(_("Kunjungan yang masih terbuka ditutup sistem di akhir shift."), "info")
    day = officer_day(current_user.id, now)
    zones = list_zones(False)
    # Where to go next, when free: expected crowding now and time since the last visit.
    suggested = [] if open_visit else crowd_hours.suggestions(now, zones=zones)
    page = render_template(
        "patrol/home.html",
        day=day,
        open_visit=open_visit,
        suggestions=suggested,
        zones=zones,
        returned=entries.returned_violations(current_user.id),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = pwa.OFFLINE_PAGE_CACHE_CONTROL  # kept for offline
    return response


@bp.route("/kunjungan", methods=["POST"])
@roles("officer")
def start_visit():
    """Start a visit with the phone's GPS fix: in the shift's zone, or any zone unscheduled."""
    try:
        form = parse(VisitStartForm, request.form)
        visit = visits.start_visit(current_user.id, form.zone_id, form.uuid, form.gps)
    except ValidationError as error:
        db.session.rollback()
        day = officer_day(current_user.id, utcnow())
        return render_template(
            "patrol/home.html",
            day=day,
            open_visit=visits.open_visit(current_user.id),
            start_error=error.message,
            zones=list_zones(False),
        ), 422
    db.session.commit()
    return redirect(url_for("patrol.visit", visit_uuid=visit.uuid), code=303)


@bp.route("/kunjungan/<visit_uuid>")
@roles("officer")
def visit(visit_uuid: str):
    """The visit screen: big buttons for a violation or a crowd count, and the timeline."""
    visit = own_visit_or_abort(visit_uuid)
    if visit.is_open and visits.close_overdue_visits(utcnow(), current_user.id):
        db.session.commit()
    return _render_visit(visit)


@bp.route("/kunjungan/<visit_uuid>/selesai", methods=["POST"])
@roles("officer")
def end_visit(visit_uuid: str):
    """End the visit with a last GPS fix, then back to today."""
    visit = own_visit_or_abort(visit_uuid)
    try:
        form = parse(VisitEndForm, request.form)
        complaints.end_visit(current_user.id, visit.uuid, form.gps, form.result, end_uuid=form.uuid)
    except ValidationError as error:
        db.session.rollback()
        return _render_visit(visit, 422, errors={"_end": error.message})
    db.session.commit()
    flash(_("Kunjungan di %(zone)s selesai.", zone=visit.zone.name), "success")
    return redirect(url_for("patrol.home"), code=303)


@bp.route("/kunjungan/<visit_uuid>/pelanggaran", methods=["GET", "POST"])
@roles("officer")
def violation(visit_uuid: str):
    """The violation form (GET) and saving it (POST) into the visit's timeline."""
    visit = own_visit_or_abort(visit_uuid)
    if request.method == "GET":
        return _render_entry(visit, panel="violation")
    photo = request.files.get("photo")
    try:
        form = ViolationForm.model_validate(request.form.to_dict())
    except PydanticError as problems:
        # Every field the input layer refuses, at once, each beside its field.
        errors: dict[str, str] = {}
        for problem in problems.errors(include_url=False):
            message, name = message_for(problem)
            errors.setdefault(name if name in VIOLATION_FIELDS else "_form", message)
        values = request.form.to_dict()
        values.pop("offender_nik", None)  # a NIK is not echoed back into the page
        return _render_entry(visit, 422, panel="violation", values=values, errors=errors)
    fields = {
        "category": form.category,
        "action": form.action,
        "people_count": form.people_count,
        "fine_amount": form.fine_amount,
        "offender_name": form.offender_name,
        "offender_nik": form.offender_nik,
        "notes": form.notes,
    }

    def log(photo_bytes, **values):
        return entries.log_violation(
            current_user.id,
            visit.uuid,
            form.uuid,
            gps=form.gps,
            photo=photo_bytes,
            **values,
        )

    # The answer's fresh form lists the active categories and actions: loaded first, they
    # answer the service's look-up of the chosen ones; the visit was just loaded by
    # own_visit_or_abort. The service asks for neither again.
    categories, actions = entries.categories(), entries.actions()
    known = {("Visit", visits.visit_key(visit.uuid)): visit}
    try:
        with records.known(known | entries.known_choices(categories, actions)):
            entry, created = log(read_photo(photo), **fields)
    except ValidationError as error:
        db.session.rollback()
        values = request.form.to_dict()
        values.pop("offender_nik", None)  # a NIK is not echoed back into the page
        return _render_entry(
            visit,
            422,
            panel="violation",
            values=values,
            errors=_every_error(error, fields, log),
        )
    _commit_keeping_rows()
    if created and entry.photo_path:
        try:
            entry_photos.make_thumbnail(entry.photo_path)
        except OSError:  # the timeline makes it on first view instead; the entry is saved
            current_app.logger.warning("thumbnail of %s not made now", entry.photo_path)
    message = _("Pelanggaran tersimpan.") if created else _("Pelanggaran ini sudah tersimpan.")
    return _render_entry(
        visit,
        panel="violation",
        categories=categories,  # still loaded: the commit expired nothing
        actions=actions,
        saved=message,
        new_entry=entries.timeline_entry("violation", entry, current_user.id),
        created=created,
    )


def _every_error(first: ValidationError, fields: dict, log) -> dict[str, str]:
    """All of a violation form's errors at once, not only the first one the service met.

    The service stops at the first broken rule; here each broken field is set aside (given
    a neutral value) and the rest is checked again, so the rules stay in one place. Each
    trial carries a photo that is not one: the service checks it last, just before it
    would write anything, so a trial that passes every other rule still saves nothing.
    """
    errors = _errors(first, VIOLATION_FIELDS)
    neutral = {
        "category": next((c.code for c in entries.categories()), None),
        "action": next((a.code for a in entries.actions() if not a.requires_amount), None),
        "people_count": "1",
        "fine_amount": None,
        "offender_name": None,
        "offender_nik": None,
        "notes": None,
    }
    trial = dict(fields)
    error = first
    while error.field in neutral and trial[error.field] != neutral[error.field]:
        trial[error.field] = neutral[error.field]
        try:
            log(NOT_A_PHOTO, **trial)
        except ValidationError as further:
            error = further
        finally:
            db.session.rollback()
        if error.field == "photo":
            break  # everything else passes
        errors.setdefault(*next(iter(_errors(error, VIOLATION_FIELDS).items())))
    return errors


@bp.route("/kunjungan/<visit_uuid>/hitung", methods=["GET", "POST"])
@roles("officer")
def crowd(visit_uuid: str):
    """The crowd-count form (GET) and saving a headcount (POST) into the timeline."""
    visit = own_visit_or_abort(visit_uuid)
    if request.method == "GET":
        return _render_entry(visit, panel="crowd")
    try:
        form = parse(CrowdCountForm, request.form)
        with records.known({("Visit", visits.visit_key(visit.uuid)): visit}):
            entry, created = entries.log_crowd_count(
                current_user.id, visit.uuid, form.uuid, form.headcount, gps=form.gps
            )
    except ValidationError as error:
        db.session.rollback()
        return _render_entry(
            visit,
            422,
            panel="crowd",
            values=request.form.to_dict(),
            errors=_errors(error, CROWD_FIELDS),
        )
    _commit_keeping_rows()
    message = _("Jumlah pengunjung tersimpan.") if created else _("Hitungan ini sudah tersimpan.")
    # A count is taken once a visit or so: the panel closes (violations come in runs and
    # get a fresh form instead).
    return _render_entry(
        visit,
        panel=None,
        saved=message,
        new_entry=entries.timeline_entry("crowd", entry, current_user.id),
        created=created,
    )


@bp.route("/pelanggaran/<int:entry_id>/ubah", methods=["GET", "POST"])
@roles("officer")
def edit_violation(entry_id: int):
    """Correct a violation within 15 minutes (form on GET, save on POST)."""
    entry = _entry(Violation, entry_id)
    if request.method == "GET":
        values = {
            "category": entry.category.code,
            "action": entry.action.code,
            "people_count": entry.people_count,
            "fine_amount": entry.fine_amount,
            "notes": entry.notes or "",
        }
        return _render_visit(entry.visit, panel="edit_violation", editing=entry, values=values)
    try:
        form = parse(ViolationFields, request.form)
        entries.correct_violation(
            current_user.id,
            entry,
            form.category,
            form.action,
            people_count=form.people_count,
            fine_amount=form.fine_amount,
            notes=form.notes,
        )
    except ValidationError as error:
        db.session.rollback()
        return _render_visit(
            entry.visit,
            422,
            panel="edit_violation",
            editing=entry,
            values=request.form.to_dict(),
            errors=_errors(error, VIOLATION_FIELDS),
        )
    db.session.commit()
    return _render_visit(
        entry.visit, saved=_("Pelanggaran diperbarui."), highlight=("violation", entry.id)
    )


@bp.route("/pelanggaran/<int:entry_id>/tarik", methods=["POST"])
@roles("officer")
def withdraw_violation(entry_id: int):
    """Withdraw a violation within 15 minutes; it stays on record, marked withdrawn."""
    entry = _entry(Violation, entry_id)
    try:
        entries.withdraw_violation(current_user.id, entry, _withdraw_reason())
    except ValidationError as error:
        db.session.rollback()
        return _render_visit(entry.visit, 422, errors={"_timeline": error.message})
    db.session.commit()
    return _render_visit(entry.visit, saved=_("Pelanggaran ditarik."))


def _withdraw_reason() -> str:
    """Why an entry is withdrawn (the form's field, or the answer to htmx's prompt)."""
    prompt = request.headers.get("HX-Prompt") or ""
    if request.headers.get("HX-Prompt-URI-AutoEncoded") == "true":
        prompt = unquote(prompt)  # htmx encodes what a header cannot carry (not Latin-1)
    reason = (request.form.get("reason") or prompt).strip()
    if not reason:
        raise ValidationError(_("Tulis alasan menarik catatan ini."), "reason")
    return reason


@bp.route("/hitung/<int:entry_id>/ubah", methods=["GET", "POST"])
@roles("officer")
def edit_crowd(entry_id: int):
    """Correct a headcount within 15 minutes (form on GET, save on POST)."""
    entry = _entry(CrowdCount, entry_id)
    if request.method == "GET":
        return _render_visit(
            entry.visit, panel="edit_crowd", editing=entry, values={"headcount": entry.headcount}
        )
    try:
        form = parse(CrowdCountFields, request.form)
        entries.correct_crowd_count(current_user.id, entry, form.headcount)
    except ValidationError as error:
        db.session.rollback()
        return _render_visit(
            entry.visit,
            422,
            panel="edit_crowd",
            editing=entry,
            values=request.form.to_dict(),
            errors=_errors(error, CROWD_FIELDS),
        )
    db.session.commit()
    return _render_visit(
        entry.visit, saved=_("Jumlah pengunjung diperbarui."), highlight=("crowd", entry.id)
    )


@bp.route("/hitung/<int:entry_id>/tarik", methods=["POST"])
@roles("officer")
def withdraw_crowd(entry_id: int):
    """Withdraw a headcount within 15 minutes; it stays on record, marked withdrawn."""
    entry = _entry(CrowdCount, entry_id)
    try:
        entries.withdraw_crowd_count(current_user.id, entry, reason=_withdraw_reason())
    except ValidationError as error:
        db.session.rollback()
        return _render_visit(entry.visit, 422, errors={"_timeline": error.message})
    db.session.commit()
    return _render_visit(entry.visit, saved=_("Hitungan ditarik."))


@bp.route("/nik", methods=["POST"])
@roles("officer")
def nik_history():
    """Earlier violations of the NIK being typed, and the suggested sanction level.

    Only from an open visit, limited per officer, every look-up audited (nik_lookups).
    """
    error = None
    history = None
    try:
        history = nik_lookups.lookup(
            current_user.id,
            request.form.get("offender_nik"),
            utcnow(),
            current_app.config["NIK_LOOKUPS_PER_HOUR"],
        )
    except ValidationError as problem:
        # Still typing: the form says why once the NIK is saved; no nagging here.
        error = problem.message
    except nik_lookups.LookupRefused as refusal:
        db.session.commit()  # the refusal stays in the audit trail
        page = render_template("patrol/_nik_history.html", history=None, refused=refusal.message)
        return page, refusal.status
    db.session.commit()
    return render_template("patrol/_nik_history.html", history=history, error=error)


def _visible_violation(entry_id: int) -> Violation:
    entry = db.session.get(Violation, entry_id)
    if entry is None:
        abort(404)
    if not can_see_visit_record(current_user, entry.visit):
        abort(403)
    return entry


@bp.route("/pelanggaran/<int:entry_id>/cetak")
@roles("officer", "admin")
def print_violation(entry_id: int):
    """A printable record of a violation (for a written warning)."""
    entry = _visible_violation(entry_id)
    return render_template("patrol/violation_print.html", entry=entry, visit=entry.visit)


@bp.route("/pelanggaran/<int:entry_id>/foto")
@staff
def violation_photo(entry_id: int):
    """A violation's photo, only for staff who may see that record."""
    entry = _visible_violation(entry_id)
    path = photos.photo_file(entry)
    if path is None or not path.is_file():
        abort(404)
    return _private_jpeg(path)


@bp.route("/pelanggaran/<int:entry_id>/foto/kecil")
@staff
def violation_thumbnail(entry_id: int):
    """The small copy of a violation's photo that the timeline shows."""
    entry = _visible_violation(entry_id)
    path = entry_photos.thumbnail_file(entry)
    if path is None:
        abort(404)
    return _private_jpeg(path)


def _private_jpeg(path):
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# The installable app and offline work ---------------------------------------------------


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest: officers install Patroli on the phone's home screen."""
    icon = "icons/{}.png"
    body = {
        "name": "Patroli Satpol PP",
        "short_name": "Patroli",
        "description": _("Catat kunjungan, pelanggaran dan jumlah pengunjung, juga tanpa sinyal."),
        "lang": "id",
        "start_url": url_for("patrol.home"),
        "scope": url_for("patrol.home"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {
                "src": url_for("static", filename=icon.format(name)),
                "sizes": size,
                "type": "image/png",
                "purpose": purpose,
            }
            for name, size, purpose in (
                ("icon-192", "192x192", "any"),
                ("icon-512", "512x512", "any"),
                ("maskable-512", "512x512", "maskable"),
            )
        ],
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker (scope /patroli/): cached app shell and pages, outbox sync."""
    static_version = pwa.cache_version(current_app.static_folder)
    body = render_template(
        "patrol/sw.js",
        cache_version=static_version,
        static_urls=[url_for("static", filename=name) for name in pwa.PRECACHE_STATIC],
        page_urls=[url_for("patrol.home"), url_for("patrol.offline_visit")],
        shell_url=url_for("patrol.offline_visit"),
        home_url=url_for("patrol.home"),
        core_url=url_for("static", filename="js/outbox-core.js"),
        logout_urls=[url_for("auth.logout"), url_for("auth.logout_everywhere")],
        owner_header=pwa.CACHE_OWNER_HEADER,
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    # The browser checks for a new release on every visit (a new version = new caches).
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/luring")
@roles("officer")
def offline_visit():
    """A visit screen that works without signal: entries go to the phone's outbox.

    The service worker keeps it and shows it for a visit started offline (the visit's
    UUID comes from the address); the script fills it from the outbox.
    """
    response = make_response(
        render_template(
            "patrol/offline_visit.html",
            categories=entries.categories(),
            actions=entries.actions(),
            crowd_config={
                "busy": current_app.config["CROWD_BUSY_PERCENT"],
                "over": current_app.config["CROWD_OVER_PERCENT"],
            },
        )
    )
    response.headers["Cache-Control"] = pwa.OFFLINE_PAGE_CACHE_CONTROL  # kept for offline
    return response
