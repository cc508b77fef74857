"""Admin pages (blueprint ``admin``): zones, offices, users, shifts, guard posts, audit."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from patrol.access import roles
from patrol.extensions import db
from patrol.forms.admin import (
    CopyDayForm,
    EditUserForm,
    EntranceForm,
    GuardPostForm,
    NewUserForm,
    OfficeForm,
    PasswordResetForm,
    ShiftForm,
    ZoneForm,
    choices,
)
from patrol.inputs import parse
from patrol.inputs.reports import AuditQuery, PlannerQuery
from patrol.models import Assignment, Entrance, GuardPost, Office, User, Zone
from patrol.rules.geofence import INDONESIA_BOUNDS
from patrol.rules.timeutil import (
    utcnow,
    wib_day_bounds,
    wib_today,
)
from patrol.rules.zone_overlap import overlapping
from patrol.services import audit, crowd_hours, offices, shifts, users, zones
from patrol.services.audit_export import audit_csv as audit_export_csv
from patrol.services.errors import ValidationError
from patrol.web import audit_words

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _bounds():
    return current_app.config.get("ZONE_BOUNDS") or INDONESIA_BOUNDS


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _refuse(form, error: ValidationError):
    """Undo the half-done change and put the message beside its field (or above the form)."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
        return None
    return error.message


def _officer_choices():
    rows = db.session.scalars(
        sa.select(User).where(User.role == "officer", User.active).order_by(User.full_name)
    )
    return [(u.id, f"{u.full_name} ({u.username})") for u in rows]


def _zone_choices(all_label: str | None = None):
    rows = db.session.scalars(sa.select(Zone).where(Zone.active).order_by(Zone.name))
    pairs = [(z.id, z.name) for z in rows]
    return [(0, all_label), *pairs] if all_label else pairs


@bp.route("/")
@roles("admin")
def home():
    """The admin's start page: what is planned today and what exists."""
    start, end = wib_day_bounds(wib_today())
    counts = {
        "zones": db.session.scalar(sa.select(sa.func.count(Zone.id)).where(Zone.active)),
        "offices": db.session.scalar(sa.select(sa.func.count(Office.id)).where(Office.active)),
        "users": db.session.scalar(sa.select(sa.func.count(User.id)).where(User.active)),
        "shifts_today": db.session.scalar(
            sa.select(sa.func.count(Assignment.id)).where(Assignment.overlapping(start, end))
        ),
    }
    return render_template("admin/home.html", counts=counts, now=utcnow())


# Zones -------------------------------------------------------------------------------


@bp.route("/zona")
@roles("admin")
def zone_list():
    """Every patrol zone, active first."""
    return render_template("admin/zones.html", zones=zones.list_zones())


def _other_zones(zone_id: int | None) -> list[tuple[str, dict]]:
    """The other active zones (name, geometry), for the editor's map and overlap warning."""
    query = sa.select(Zone.name, Zone.geometry).where(Zone.active).order_by(Zone.name)
    if zone_id is not None:
        query = query.where(Zone.id != zone_id)
    return [(name, geometry) for name, geometry in db.session.execute(query)]


def _warn_overlaps(zone: Zone) -> None:
    """Flash a warning naming the zones the saved one overlaps (saving is still allowed:
    a park inside an alun-alun may be intended)."""
    names = overlapping(zone.geometry, _other_zones(zone.id))
    if names:
        flash(
            _(
                "Perhatian: zona %(name)s bertumpuk dengan %(others)s.",
                name=zone.name,
                others=", ".join(names),
            ),
            "warning",
        )


def _zone_form_page(form, zone, form_error, status):
    others = [
        {"name": name, "geometry": geometry}
        for name, geometry in _other_zones(zone.id if zone else None)
    ]
    return render_template(
        "admin/zone_form.html",
        form=form,
        zone=zone,
        form_error=form_error,
        other_zones=others,
        bounds=_bounds(),
    ), status


def _zone_geometry(form: ZoneForm) -> dict:
    # A POST without the field leaves the zone's stored dict (ZoneForm(obj=zone)) here.
    text = form.geometry.data if isinstance(form.geometry.data, str) else None
    return zones.parse_geometry(
        text,
        form.center_lat.data,
        form.center_lon.data,
        form.radius_m.data,
        bounds=_bounds(),
    )


@bp.route("/zona/baru", methods=["GET", "POST"])
@roles("admin")
def zone_new():
    """Draw a new zone on the map (or type its coordinates) and save it."""
    form = ZoneForm()
    form_error = None
    if form.validate_on_submit():
        try:
            zone = zones.create_zone(
                current_user.id,
                form.name.data,
                form.kind.data,
                form.kecamatan.data or "",
                form.capacity.data,
                _zone_geometry(form),
            )
            db.session.commit()
            flash(_("Zona %(name)s disimpan.", name=zone.name), "success")
            _warn_overlaps(zone)
            return redirect(url_for("admin.zone_list"))
        except ValidationError as error:
            form_error = _refuse(form, error)
    return _zone_form_page(form, None, form_error, 422 if request.method == "POST" else 200)


@bp.route("/zona/<int:zone_id>", methods=["GET", "POST"])
@roles("admin")
def zone_edit(zone_id: int):
    """Change a zone's details or redraw it."""
    zone = _get_or_404(Zone, zone_id)
    form = ZoneForm(obj=zone)
    if request.method == "GET":
        form.geometry.data = zones.geometry_text(zone.geometry)
    form_error = None
    if form.validate_on_submit():
        try:
            zones.update_zone(
                current_user.id,
                zone,
                form.name.data,
                form.kind.data,
                form.kecamatan.data or "",
                form.capacity.data,
                _zone_geometry(form),
                form.active.data,
            )
            db.session.commit()
            flash(_("Zona %(name)s diperbarui.", name=zone.name), "success")
            _warn_overlaps(zone)
            return redirect(url_for("admin.zone_list"))
        except ValidationError as error:
            form_error = _refuse(form, error)
    return _zone_form_page(form, zone, form_error, 422 if request.method == "POST" else 200)


@bp.route("/zona/<int:zone_id>/aktif", methods=["POST"])
@roles("admin")
def zone_toggle(zone_id: int):
    """Deactivate an active zone, or reactivate an inactive one."""
    zone = _get_or_404(Zone, zone_id)
    zones.set_zone_active(current_user.id, zone, not zone.active)
    db.session.commit()
    if zone.active:
        flash(_("Zona %(name)s diaktifkan.", name=zone.name), "success")
    else:
        flash(_("Zona %(name)s dinonaktifkan.", name=zone.name), "success")
    return redirect(url_for("admin.zone_list"))


# Offices and entrances ---------------------------------------------------------------


@bp.route("/kantor")
@roles("admin")
def office_list():
    """Every office with its entrances."""
    return render_template("admin/offices.html", offices=offices.list_offices())


def _office_fields(form: OfficeForm) -> dict:
    return {
        "name": form.name.data,
        "address": (form.address.data or "").strip(),
        "lat": form.lat.data,
        "lon": form.lon.data,
        "radius_m": form.radius_m.data,
        "capacity": form.capacity.data,
        "opens_at": form.opens_at.data,
        "closes_at": form.closes_at.data,
        "active": form.active.data,
        "wait_when_full": form.wait_when_full.data,
        "hold_red": form.hold_red.data,
        "after_hours_checkin": form.after_hours_checkin.data,
    }


@bp.route("/kantor/baru", methods=["GET", "POST"])
@roles("admin")
def office_new():
    """Add an office."""
    form = OfficeForm()
    if request.method == "GET":
        form.opens_at.data, form.closes_at.data = time(7, 30), time(16, 0)
    form_error = None
    if form.validate_on_submit():
        try:
            office = offices.save_office(current_user.id, None, _bounds(), **_office_fields(form))
            db.session.commit()
            flash(_("Kantor %(name)s disimpan.", name=office.name), "success")
            return redirect(url_for("admin.office_edit", office_id=office.id))
        except ValidationError as error:
            form_error = _refuse(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/office_form.html", form=form, office=None, form_error=form_error
    ), status


@bp.route("/kantor/<int:office_id>", methods=["GET", "POST"])
@roles("admin")
def office_edit(office_id: int):
    """Change an office; list, add, revoke and re-issue its entrances."""
    office = _get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    form_error = None
    if form.validate_on_submit():
        try:
            offices.save_office(current_user.id, office, _bounds(), **_office_fields(form))
            db.session.commit()
            flash(_("Kantor %(name)s diperbarui.", name=office.name), "success")
            return redirect(url_for("admin.office_edit", office_id=office.id))
        except ValidationError as error:
            form_error = _refuse(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/office_form.html",
        form=form,
        office=office,
        entrance_form=EntranceForm(formdata=None),
        form_error=form_error,
    ), status


@bp.route("/kantor/<int:office_id>/pintu", methods=["POST"])
@roles("admin")
def entrance_new(office_id: int):
    """Add an entrance (with a fresh token) to an office."""
    office = _get_or_404(Office, office_id)
    entrance_form = EntranceForm()
    if entrance_form.validate_on_submit():
        try:
            offices.add_entrance(current_user.id, office, entrance_form.name.data)
            db.session.commit()
            flash(_("Pintu ditambahkan."), "success")
            return redirect(url_for("admin.office_edit", office_id=office.id))
        except ValidationError as error:
            _refuse(entrance_form, error)
    return render_template(
        "admin/office_form.html",
        form=OfficeForm(formdata=None, obj=office),
        office=office,
        entrance_form=entrance_form,
        form_error=None,
    ), 422


@bp.route("/pintu/<int:entrance_id>/cabut", methods=["POST"])
@roles("admin")
def entrance_revoke(entrance_id: int):
    """Revoke an entrance's token: its posters stop working at once."""
    entrance = _get_or_404(Entrance, entrance_id)
    offices.revoke_entrance(current_user.id, entrance)
    db.session.commit()
    flash(_("Kode QR %(name)s dicabut.", name=entrance.name), "success")
    return redirect(url_for("admin.office_edit", office_id=entrance.office_id))


@bp.route("/pintu/<int:entrance_id>/terbitkan", methods=["POST"])
@roles("admin")
def entrance_reissue(entrance_id: int):
    """Issue a new token for an entrance; print new posters."""
    entrance = _get_or_404(Entrance, entrance_id)
    offices.reissue_entrance(current_user.id, entrance)
    db.session.commit()
    flash(_("Kode QR baru untuk %(name)s diterbitkan.", name=entrance.name), "success")
    return redirect(url_for("admin.office_edit", office_id=entrance.office_id))


# Users ---------------------------------------------------------------------------------


@bp.route("/pengguna")
@roles("admin")
def user_list():
    """Every user account, active first."""
    return render_template("admin/users.html", users=users.list_users())


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@roles("admin")
def user_new():
    """Create a user account."""
    form = NewUserForm()
    form_error = None
    if form.validate_on_submit():
        try:
            user = users.add_user(
                current_user.id,
                form.username.data,
                form.full_name.data,
                form.role.data,
                form.password.data,
            )
            db.session.commit()
            flash(_("Pengguna %(name)s dibuat.", name=user.username), "success")
            return redirect(url_for("admin.user_list"))
        except ValidationError as error:
            form_error = _refuse(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_new.html", form=form, form_error=form_error), status


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@roles("admin")
def user_edit(user_id: int):
    """Change a user's name, role or active flag (deactivating ends their sessions)."""
    user = _get_or_404(User, user_id)
    form = EditUserForm(obj=user)
    form_error = None
    if form.validate_on_submit():
        try:
            users.update_user(
                current_user.id, user, form.full_name.data, form.role.data, form.active.data
            )
            db.session.commit()
            flash(_("Pengguna %(name)s diperbarui.", name=user.username), "success")
            return redirect(url_for("admin.user_list"))
        except ValidationError as error:
            form_error = _refuse(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/user_edit.html",
        form=form,
        user=user,
        password_form=PasswordResetForm(formdata=None),
        form_error=form_error,
    ), status


@bp.route("/pengguna/<int:user_id>/sandi", methods=["POST"])
@roles("admin")
def user_password(user_id: int):
    """Reset a user's password; their sessions end."""
    user = _get_or_404(User, user_id)
    password_form = PasswordResetForm()
    if password_form.validate_on_submit():
        try:
            users.reset_password(current_user.id, user, password_form.password.data)
            db.session.commit()
            flash(_("Kata sandi %(name)s diganti.", name=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
        except ValidationError as error:
            _refuse(password_form, error)
    return render_template(
        "admin/user_edit.html",
        form=EditUserForm(formdata=None, obj=user),
        user=user,
        password_form=password_form,
        form_error=None,
    ), 422


# Shifts ---------------------------------------------------------------------------------


def _query(model):
    """The page's query string checked as ``model``; a bad value is a 400 with its words."""
    try:
        return parse(model, request.args)
    except ValidationError as error:
        abort(400, description=error.message)


@bp.route("/shift")
@roles("admin")
def shift_list():
    """Day or week view of shifts, for one zone, one officer, or everyone."""
    query = _query(PlannerQuery)
    view, day = query.view, query.day or wib_today()
    zone_id, officer_id = query.zone_id, query.officer_id
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    plan = shifts.schedule(first, 7 if view == "week" else 1, zone_id, officer_id)
    step = timedelta(days=7 if view == "week" else 1)
    return render_template(
        "admin/shifts.html",
        plan=plan,
        view=view,
        day=day,
        prev_day=first - step,
        next_day=first + step,
        zone_id=zone_id,
        officer_id=officer_id,
        zone_choices=_zone_choices(),
        officer_choices=_officer_choices(),
        outlook=crowd_hours.planning_outlook(day) if view == "day" else [],
    )


@bp.route("/shift/baru", methods=["GET", "POST"])
@roles("admin")
def shift_new():
    """Put an officer on a zone for a WIB window, on one or several days."""
    form = ShiftForm()
    form.officer_id.choices = choices(_officer_choices())
    form.zone_id.choices = choices(_zone_choices())
    if request.method == "GET":
        query = _query(PlannerQuery)
        form.day.data, form.zone_id.data = query.day or wib_today(), query.zone_id
        form.starts_at.data, form.ends_at.data = time(7, 0), time(15, 0)
    form_error = None
    if form.validate_on_submit():
        try:
            booked = shifts.create_shifts(
                current_user.id,
                form.officer_id.data,
                form.zone_id.data,
                form.day.data,
                form.starts_at.data,
                form.ends_at.data,
                form.repeat_days.data,
                allow_past=form.confirm_past.data,
            )
            db.session.commit()
            flash(_("%(n)d shift disimpan.", n=len(booked)), "success")
            return redirect(
                url_for(
                    "admin.shift_list",
                    tanggal=form.day.data.isoformat(),
                    zona=form.zone_id.data,
                    tampilan="minggu" if len(booked) > 1 else None,
                )
            )
        except ValidationError as error:
            form_error = _refuse(form, error)
    copy_form = CopyDayForm(formdata=None)
    copy_form.copy_zone_id.choices = choices(_zone_choices(_("Semua zona")))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/shift_form.html", form=form, copy_form=copy_form, form_error=form_error
    ), status


@bp.route("/shift/salin", methods=["POST"])
@roles("admin")
def shift_copy():
    """Copy every shift of one day (optionally of one zone) to another day."""
    form = ShiftForm(formdata=None)
    form.officer_id.choices = choices(_officer_choices())
    form.zone_id.choices = choices(_zone_choices())
    copy_form = CopyDayForm()
    copy_form.copy_zone_id.choices = choices(_zone_choices(_("Semua zona")))
    copy_error = None
    if copy_form.validate_on_submit():
        try:
            n = shifts.copy_day(
                current_user.id,
                copy_form.source.data,
                copy_form.target.data,
                copy_form.copy_zone_id.data or None,
                allow_past=copy_form.copy_confirm_past.data,
            )
            db.session.commit()
            flash(_("%(n)d shift disalin.", n=n), "success")
            return redirect(url_for("admin.shift_list", tanggal=copy_form.target.data.isoformat()))
        except ValidationError as error:
            copy_error = _refuse(copy_form, error)
    return render_template(
        "admin/shift_form.html",
        form=form,
        copy_form=copy_form,
        form_error=None,
        copy_error=copy_error,
    ), 422


@bp.route("/shift/<int:shift_id>/hapus", methods=["POST"])
@roles("admin")
def shift_delete(shift_id: int):
    """Remove a planned shift."""
    shift = _get_or_404(Assignment, shift_id)
    day = wib_today(shift.starts_at)
    shifts.delete_shift(current_user.id, shift)
    db.session.commit()
    flash(_("Shift dihapus."), "success")
    return redirect(url_for("admin.shift_list", tanggal=day.isoformat()))


# Guard posts ------------------------------------------------------------------------------


@bp.route("/pos-jaga", methods=["GET", "POST"])
@roles("admin")
def post_list():
    """Which guards work at which offices; place a guard at an office."""
    form = GuardPostForm()
    form.guard_id.choices = choices(
        (u.id, f"{u.full_name} ({u.username})") for u in users.list_users("guard") if u.active
    )
    form.office_id.choices = choices((o.id, o.name) for o in offices.list_offices() if o.active)
    form_error = None
    if form.validate_on_submit():
        try:
            users.add_guard_post(current_user.id, form.guard_id.data, form.office_id.data)
            db.session.commit()
            flash(_("Pos jaga disimpan."), "success")
            return redirect(url_for("admin.post_list"))
        except ValidationError as error:
            form_error = _refuse(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/posts.html", form=form, posts=users.list_guard_posts(), form_error=form_error
    ), status


@bp.route("/pos-jaga/<int:post_id>/hapus", methods=["POST"])
@roles("admin")
def post_delete(post_id: int):
    """Take a guard off an office."""
    post = _get_or_404(GuardPost, post_id)
    users.remove_guard_post(current_user.id, post)
    db.session.commit()
    flash(_("Pos jaga dihapus."), "success")
    return redirect(url_for("admin.post_list"))


# Audit ------------------------------------------------------------------------------------


@bp.route("/audit")
@roles("admin")
def audit_list():
    """The latest admin changes: who, what, when, before and after."""
    query = _query(AuditQuery)
    entity = query.entity or None
    events = audit.recent(100, entity, query.before_id)
    return render_template("admin/audit.html", events=events, entity=entity, words=audit_words)


@bp.route("/audit.csv")
@roles("admin")
def audit_export():
    """The whole audit trail (optionally of one kind of record) as a CSV download."""
    entity = _query(AuditQuery).entity or None
    body = "".join(audit_export_csv(entity))
    kind = entity if entity and entity.isascii() and entity.isidentifier() else "semua"
    name = f"audit-{kind}-{wib_today().isoformat()}.csv"
    response = current_app.response_class(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
