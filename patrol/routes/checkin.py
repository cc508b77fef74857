"""Office check-in (blueprint ``checkin``): visitors at /c/<token>, guards' boards, posters."""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import time
import uuid
from datetime import datetime

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from patrol.access import can_see_office, is_admin, public, roles
from patrol.extensions import db, limiter
from patrol.inputs import parse_all
from patrol.inputs.checkin import DoorForm, ManualCheckIn, TurnAway, VisitorCheckIn
from patrol.models import CheckIn, Entrance, Office
from patrol.rules import checkin as checkin_rules
from patrol.rules.timeutil import utcnow
from patrol.services import checkins, offices
from patrol.services.errors import ValidationError
from patrol.services.occupancy import OfficeOccupancy, occupancy
from patrol.services.people import guard_office_ids
from patrol.web.htmx import is_htmx

bp = Blueprint("checkin", __name__)

# The phone keeps its check-out secret in this cookie (HttpOnly: page scripts never see it).
PASS_COOKIE = "patroli_pass"  # noqa: S105 - a cookie name, not a secret


def clock() -> datetime:
    """The current time for screen codes; one place for tests to move the clock."""
    return utcnow()


# Visitors --------------------------------------------------------------------------------


def _invalid_poster():
    abort(
        404,
        description=_(
            "Kode QR ini tidak berlaku: poster sudah diganti atau dicabut. "
            "Pindai poster terbaru di pintu masuk, atau hubungi petugas jaga."
        ),
    )


def _entrance_key() -> str:
    return "checkin-entrance:" + str((request.view_args or {}).get("token", ""))[:64]


def _uuid_seal(client_uuid: str) -> str:
    """A seal binding a form's client UUID to this browser's session (its CSRF secret).

    A resend of the same form carries it, and gets its pass back; the same UUID replayed
    from another phone does not, so it never hands over someone else's pass.
    """
    generate_csrf()  # makes sure the session holds its CSRF secret
    key = f"{current_app.secret_key}:{session.get('csrf_token', '')}".encode()
    return hmac.new(key, client_uuid.encode(), hashlib.sha256).hexdigest()[:32]


def _sealed(seal: str | None, client_uuid: str) -> bool:
    """Whether a form's seal is the one this session was given for its client UUID."""
    expected = _uuid_seal(client_uuid).encode()
    return hmac.compare_digest((seal or "").encode("utf-8", "replace"), expected)


def _held_secrets() -> list[str]:
    """The check-out secrets of the passes this phone holds (several offices, one phone)."""
    raw = request.cookies.get(PASS_COOKIE, "")
    return [secret for secret in raw.split(".") if 20 <= len(secret) <= 64][: checkins.MAX_PASSES]


def _visit_form(entrance: Entrance, code: str | None, errors=None, values=None, status=200):
    values = values or {}
    # The same client UUID again after errors, only if this session was given it: a seal
    # is never handed out for a UUID typed in from elsewhere.
    client_uuid = values.get("client_uuid") or ""
    if not _sealed(values.get("seal"), client_uuid):
        client_uuid = str(uuid.uuid4())
    stamp = values.get("t")
    if entrance.screen_mode and not stamp:
        stamp = checkin_rules.make_form_stamp(current_app.secret_key, entrance.id, code, clock())
    return (
        render_template(
            "checkin/visit.html",
            entrance=entrance,
            office=entrance.office,
            code=code,
            stamp=stamp,
            client_uuid=client_uuid,
            staff_uuid=str(uuid.uuid4()),
            seal=_uuid_seal,
            errors=errors or {},
            first_error=next(iter(errors), None) if errors else None,
            values=values,
            retention_days=current_app.config["CHECKIN_RETENTION_DAYS"],
        ),
        status,
    )


def _counts_against_limits(response) -> bool:
    """Whether an answer counts against the check-in limits (a resend does not)."""
    return not g.get("checkin_resend", False)


def _screen_status(entrance: Entrance, code: str | None) -> str:
    """Screen mode: the code for the form (GET), or the form's signed serving time (POST)."""
    if request.method == "GET":
        return checkin_rules.screen_code_status(current_app.secret_key, entrance.id, code, clock())
    return checkin_rules.form_stamp_status(
        current_app.secret_key,
        entrance.id,
        code,
        request.form.get("t"),
        clock(),
        current_app.config["CHECKIN_FORM_SECONDS"],
    )


@bp.route("/c/<token>", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["CHECKIN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=_counts_against_limits,
)
@limiter.limit(
    lambda: current_app.config["CHECKIN_LIMIT_PER_ENTRANCE"],
    key_func=_entrance_key,
    methods=["POST"],
    deduct_when=_counts_against_limits,
)
def visit(token: str):
    """The page behind an entrance's QR code: check in (visitor or staff), or offer check-out."""
    entrance = checkins.find_entrance(token)
    if entrance is None:
        _invalid_poster()
    code = request.values.get("k")
    if entrance.screen_mode:
        status = _screen_status(entrance, code)
        if status != "valid":
            return render_template(
                "checkin/scan_again.html", office=entrance.office, status=status
            ), 410
    held = checkins.open_checkins_by_secrets(_held_secrets())
    if request.method == "GET":
        for current in held:
            if current.office_id == entrance.office_id and current.checked_out_at is None:
                return _pass_page([current], again=True)
    if not checkins.office_is_open(entrance.office):
        return render_template("checkin/closed.html", office=entrance.office), (
            200 if request.method == "GET" else 403
        )
    if request.method == "GET":
        return _visit_form(entrance, code)
    try:
        client_uuid = parse_all(DoorForm, request.form).client_uuid
        existing = checkins.find_by_uuid(client_uuid)
        if existing is not None:
            g.checkin_resend = True
            if not _sealed(request.form.get("seal"), client_uuid):
                abort(
                    409,
                    description=_(
                        "Formulir ini sudah pernah dikirim dari ponsel lain. "
                        "Pindai kode QR lagi untuk check in."
                    ),
                )
            checkin = existing
        elif request.form.get("as_staff") and current_user.is_authenticated:
            checkin = checkins.check_in_new(
                entrance.office, entrance, client_uuid, user_id=current_user.id
            )
        else:
            details = checkins.VisitorDetails(**parse_all(VisitorCheckIn, request.form).details())
            checkin = checkins.check_in_new(entrance.office, entrance, client_uuid, details)
    except ValidationError as error:
        db.session.rollback()
        errors = getattr(error, "errors", None) or {error.field: error.message}
        return _visit_form(entrance, code, errors, request.form, 422)
    # The newest pass first; earlier ones (other offices) stay with their own check-out.
    # Read before the commit expires the rows (no reload of each).
    secret = checkin.checkout_secret
    kept = [secret] + [other.checkout_secret for other in held if other.checkout_secret != secret]
    db.session.commit()
    session.permanent = True  # keeps the CSRF token for a check-out hours later
    response = redirect(url_for("checkin.pass_view"))
    response.set_cookie(
        PASS_COOKIE,
        ".".join(kept[: checkins.MAX_PASSES]),
        max_age=current_app.config["CHECKIN_PASS_HOURS"] * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        path="/c/",
    )
    return response


@bp.errorhandler(429)
def too_many_check_ins(error):
    """Too many check-ins from one address: when to try again, and the way back to the form."""
    limit = limiter.current_limit
    wait = 60
    if limit is not None:
        wait = max(1, math.ceil(limit.reset_at - time.time()))
    response = current_app.make_response(
        (
            render_template(
                "checkin/too_many.html",
                wait_minutes=max(1, math.ceil(wait / 60)),
                back_url=request.full_path.rstrip("?") if request.path.startswith("/c/") else None,
            ),
            429,
        )
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _pass_page(passes: list[CheckIn], again: bool = False):
    response = current_app.make_response(
        render_template(
            "checkin/pass.html",
            passes=passes,
            again=again,
            waiting_refresh=current_app.config["CHECKIN_WAITING_REFRESH_SECONDS"],
        )
    )
    # Names and codes on screen: never kept by a browser or a proxy (SECURITY.md).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/c/tiket")
@public
def pass_view():
    """The full-screen passes held by this phone, newest first (or their check-out or refusal)."""
    passes = checkins.open_checkins_by_secrets(_held_secrets())
    if not passes:
        abort(
            404,
            description=_(
                "Ponsel ini tidak menyimpan tiket check-in. Pindai kode QR di pintu masuk."
            ),
        )
    return _pass_page(passes)


@bp.route("/c/keluar", methods=["POST"])
@public
def self_check_out():
    """Check out of one pass held on this phone (each office its own)."""
    wanted = request.form.get("pass", type=int)
    for checkin in checkins.open_checkins_by_secrets(_held_secrets()):
        if checkin.checked_out_at is None and (wanted is None or checkin.id == wanted):
            # Inside, or giving up waiting at the door (a turned-away pass is already out).
            checkins.check_out(checkin, "self")
            db.session.commit()
            break
    return redirect(url_for("checkin.pass_view"))


# Guards' boards -------------------------------------------------------------------------


def _office_or_404(office_id: int) -> Office:
    office = db.session.get(Office, office_id)
    if office is None:
        abort(404)
    if not can_see_office(current_user, office.id):
        abort(403)
    return office


def _entrance_or_404(office: Office, entrance_id: int) -> Entrance:
    entrance = db.session.get(Entrance, entrance_id)
    if entrance is None or entrance.office_id != office.id:
        abort(404)
    return entrance


def _live_context(office: Office) -> dict:
    listed = checkins.board_list(
        office.id, request.values.get("q", ""), current_app.config["CHECKIN_BOARD_LIST_SIZE"]
    )
    return {
        "office": office,
        "listed": listed,
        "people": listed.people,
        "waiting": checkins.waiting_list(office.id),
        "load": OfficeOccupancy(office, listed.inside),
        "poll_seconds": current_app.config["CHECKIN_BOARD_POLL_SECONDS"],
    }


def _templates_digest(*names: str) -> str:
    """A digest of the board's templates, so that a new release never gets a stale 304."""
    cache = current_app.extensions.setdefault("patroli_board_templates", {})
    if names not in cache:
        loader = current_app.jinja_env.loader
        sources = [loader.get_source(current_app.jinja_env, name)[0] for name in names]
        cache[names] = hashlib.sha256("\0".join(sources).encode()).hexdigest()[:12]
    return cache[names]


def _board_etag(office: Office) -> str:
    """The refresh's ETag, from a cheap query and what else the partial depends on.

    The session's CSRF secret (the check-out buttons carry a token of this session) and the
    hour (a kept copy's tokens are never more than an hour old) are part of it.
    """
    parts = (
        checkins.board_version(office.id),
        office.capacity,
        " ".join(request.values.get("q", "").split()).lower(),
        str(get_locale()),
        current_user.id,
        session.get("csrf_token", ""),
        int(utcnow().timestamp() // 3600),
        current_app.config["CHECKIN_BOARD_LIST_SIZE"],
        current_app.config["CHECKIN_BOARD_POLL_SECONDS"],
        _templates_digest(*LIVE_TEMPLATES),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _board(
    office: Office,
    manual_errors=None,
    manual_values=None,
    away_errors=None,
    away_values=None,
    status=200,
):
    return (
        render_template(
            "checkin/board.html",
            manual_errors=manual_errors or {},
            manual_values=manual_values or {},
            away_errors=away_errors or {},
            away_values=away_values or {},
            client_uuid=str(uuid.uuid4()),
            **_live_context(office),
        ),
        status,
    )


@bp.route("/jaga/")
@roles("guard", "admin")
def boards():
    """The offices this guard watches (all offices for an admin), with who is inside."""
    office_ids = None if is_admin(current_user) else sorted(guard_office_ids(current_user.id))
    if checkins.close_offices(office_ids=office_ids):
        db.session.commit()
    return render_template("checkin/boards.html", offices=occupancy(office_ids))


@bp.route("/jaga/kantor/<int:office_id>")
@roles("guard", "admin")
def board(office_id: int):
    """One office's live board: inside now against capacity, the people inside, the actions."""
    office = _office_or_404(office_id)
    if checkins.close_offices(offices=[office]):
        db.session.commit()
    return _board(office)


# What the polled answer is made of (their digest is part of its ETag).
LIVE_TEMPLATES = (
    "checkin/_board_live.html",
    "checkin/_board_counter.html",
    "checkin/_board_people.html",
    "checkin/_board_waiting.html",
)


@bp.route("/jaga/kantor/<int:office_id>/langsung")
@roles("guard", "admin")
def board_live(office_id: int):
    """The list of people inside and the counter (polled by the board, forms left alone).

    Conditional: the ETag comes from one cheap query, checked before anything is rendered,
    so an unchanged board answers 304 (the browser's cache hands htmx the kept copy).
    """
    office = _office_or_404(office_id)
    etag = _board_etag(office)
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.make_response(
            render_template("checkin/_board_live.html", **_live_context(office))
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _after_board_action(office: Office, message: str):
    if is_htmx():
        return render_template("checkin/_board_live.html", **_live_context(office))
    flash(message, "success")
    return redirect(url_for("checkin.board", office_id=office.id))


@bp.route("/jaga/kantor/<int:office_id>/keluar/<int:checkin_id>", methods=["POST"])
@roles("guard", "admin")
def guard_check_out(office_id: int, checkin_id: int):
    """A guard checks one person out."""
    office = _office_or_404(office_id)
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.office_id != office.id:
        abort(404)
    checkins.check_out(checkin, "guard", current_user.id)
    db.session.commit()
    return _after_board_action(office, _("Pengunjung sudah dicatat keluar."))


@bp.route("/jaga/kantor/<int:office_id>/tutup", methods=["POST"])
@roles("guard", "admin")
def check_out_all(office_id: int):
    """A guard checks everybody out at closing."""
    office = _office_or_404(office_id)
    count = checkins.check_out_everyone(office.id, current_user.id)
    db.session.commit()
    return _after_board_action(office, _("%(n)d orang dicatat keluar.", n=count))


def _waiting_or_404(office: Office, checkin_id: int, red_inside: bool = False) -> CheckIn:
    checkin = checkins.waiting_checkin(office, checkin_id, red_inside=red_inside)
    if checkin is None:
        abort(
            404,
            description=_(
                "Orang ini tidak lagi menunggu di pintu (sudah diputuskan petugas lain)."
            ),
        )
    return checkin


@bp.route("/jaga/kantor/<int:office_id>/persilakan/<int:checkin_id>", methods=["POST"])
@roles("guard", "admin")
def admit_waiting(office_id: int, checkin_id: int):
    """A guard lets in someone waiting at the door; they count inside from now."""
    office = _office_or_404(office_id)
    checkin = _waiting_or_404(office, checkin_id)
    checkins.admit(checkin, current_user.id)
    db.session.commit()
    return _after_board_action(office, _("Pengunjung dipersilakan masuk."))


@bp.route("/jaga/kantor/<int:office_id>/tolak/<int:checkin_id>", methods=["POST"])
@roles("guard", "admin")
def refuse_waiting(office_id: int, checkin_id: int):
    """One tap on a waiting row (or a red pass inside): turn the person away."""
    office = _office_or_404(office_id)
    checkin = _waiting_or_404(office, checkin_id, red_inside=True)
    reason = _("Bergejala sakit") if checkin.screening == "red" else _("Kantor penuh")
    checkins.refuse_waiting(checkin, current_user.id, reason)
    db.session.commit()
    return _after_board_action(office, _("Penolakan sudah dicatat."))


# The board's forms: their partial template, and the prefix of their _board() arguments.
BOARD_FORMS = {"manual": "checkin/_manual_form.html", "away": "checkin/_away_form.html"}


def _form_result(office, form: str, errors, values, message):
    """Answer a board form: the fresh form plus the list out of band, or the form with errors."""
    failed = bool(errors)
    if is_htmx():
        return (
            render_template(
                BOARD_FORMS[form],
                errors=errors,
                values=values,
                client_uuid=str(uuid.uuid4()),
                oob=not failed,
                **_live_context(office),
            ),
            422 if failed else 200,
        )
    if failed:
        return _board(office, **{f"{form}_errors": errors, f"{form}_values": values}, status=422)
    flash(message, "success")
    return redirect(url_for("checkin.board", office_id=office.id))


@bp.route("/jaga/kantor/<int:office_id>/masuk", methods=["POST"])
@roles("guard", "admin")
def manual_check_in(office_id: int):
    """A guard checks in a visitor who has no phone."""
    office = _office_or_404(office_id)
    try:
        form = parse_all(ManualCheckIn, request.form)
        details = checkins.VisitorDetails(**form.details())
        checkins.check_in(office, None, form.client_uuid, details, guard_id=current_user.id)
    except ValidationError as error:
        db.session.rollback()
        errors = getattr(error, "errors", None) or {error.field: error.message}
        return _form_result(office, "manual", errors, request.form, "")
    db.session.commit()
    return _form_result(office, "manual", {}, {}, _("Pengunjung sudah dicatat masuk."))


@bp.route("/jaga/kantor/<int:office_id>/tolak", methods=["POST"])
@roles("guard", "admin")
def turn_away(office_id: int):
    """A guard turns someone away, with the reason recorded."""
    office = _office_or_404(office_id)
    try:
        form = parse_all(TurnAway, request.form)
        checkins.turn_away(
            office,
            current_user.id,
            form.client_uuid,
            form.reason,
            short_code=form.short_code,
            name=form.name,
        )
    except ValidationError as error:
        db.session.rollback()
        errors = getattr(error, "errors", None) or {error.field: error.message}
        return _form_result(office, "away", errors, request.form, "")
    db.session.commit()
    return _form_result(office, "away", {}, {}, _("Penolakan sudah dicatat."))


# Rotating screen codes -------------------------------------------------------------------


def _public_url(endpoint: str, **values) -> str:
    """An absolute URL for a QR code, on the configured public address when there is one."""
    base = current_app.config["CHECKIN_BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _screen_context(office: Office, entrance: Entrance) -> dict:
    code = checkin_rules.make_screen_code(current_app.secret_key, entrance.id, clock())
    url = _public_url("checkin.visit", token=entrance.token, k=code)
    return {
        "office": office,
        "entrance": entrance,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True),
        "url": url,
        "refresh_seconds": 5,
    }


@bp.route("/jaga/kantor/<int:office_id>/layar/<int:entrance_id>")
@roles("guard", "admin")
def screen(office_id: int, entrance_id: int):
    """A guard's screen showing the entrance's rotating QR code (screen mode)."""
    office = _office_or_404(office_id)
    entrance = _entrance_or_404(office, entrance_id)
    return render_template("checkin/screen.html", **_screen_context(office, entrance))


@bp.route("/jaga/kantor/<int:office_id>/layar/<int:entrance_id>/kode")
@roles("guard", "admin")
def screen_code(office_id: int, entrance_id: int):
    """The current rotating QR code (polled by the screen page)."""
    office = _office_or_404(office_id)
    entrance = _entrance_or_404(office, entrance_id)
    return render_template("checkin/_screen_code.html", **_screen_context(office, entrance))


# Posters (admins) -----------------------------------------------------------------------


def _poster_entrance(office_id: int, entrance_id: int) -> tuple[Office, Entrance]:
    office = _office_or_404(office_id)
    entrance = _entrance_or_404(office, entrance_id)
    if entrance.revoked_at is not None:
        abort(
            404,
            description=_("Token pintu ini sudah dicabut. Terbitkan token baru sebelum mencetak."),
        )
    return office, entrance


def _poster_qr(entrance: Entrance):
    if entrance.screen_mode:
        # Its printed QR would only lead to "scan the screen again": no file to print.
        abort(
            404,
            description=_(
                "Pintu ini memakai mode layar: tidak ada kode QR untuk dicetak. "
                "Cetak poster petunjuk yang mengarahkan ke layar petugas."
            ),
        )
    return segno.make(_public_url("checkin.visit", token=entrance.token), error="m")


@bp.route("/jaga/kantor/<int:office_id>/pintu/<int:entrance_id>/mode-layar", methods=["POST"])
@roles("admin")
def entrance_screen_mode(office_id: int, entrance_id: int):
    """Switch an entrance's screen mode on or off (its posters change with it)."""
    office = _office_or_404(office_id)
    entrance = _entrance_or_404(office, entrance_id)
    on = request.form.get("on") == "1"
    offices.set_screen_mode(current_user.id, entrance, on)
    db.session.commit()
    if on:
        flash(
            _(
                "Mode layar %(name)s menyala: tampilkan layar QR di meja petugas "
                "dan ganti posternya dengan poster petunjuk.",
                name=entrance.name,
            ),
            "success",
        )
    else:
        flash(
            _("Mode layar %(name)s dimatikan: poster QR cetak berlaku lagi.", name=entrance.name),
            "success",
        )
    return redirect(url_for("admin.office_edit", office_id=office.id))


def _download_name(office: Office, entrance: Entrance, ext: str) -> str:
    return f"qr-kantor{office.id}-pintu{entrance.id}.{ext}"


@bp.route("/jaga/kantor/<int:office_id>/poster/<int:entrance_id>")
@roles("admin")
def poster(office_id: int, entrance_id: int):
    """A printable A4 poster for one entrance: QR code, names, instructions."""
    office, entrance = _poster_entrance(office_id, entrance_id)
    if entrance.screen_mode:
        return render_template("checkin/poster.html", office=office, entrance=entrance)
    qr = _poster_qr(entrance)
    return render_template(
        "checkin/poster.html",
        office=office,
        entrance=entrance,
        qr_svg=qr.svg_inline(scale=10, border=2, omitsize=True),
        url=_public_url("checkin.visit", token=entrance.token),
    )


@bp.route("/jaga/kantor/<int:office_id>/poster/<int:entrance_id>/qr.svg")
@roles("admin")
def poster_svg(office_id: int, entrance_id: int):
    """The entrance's QR code as an SVG file (for print shops)."""
    office, entrance = _poster_entrance(office_id, entrance_id)
    buffer = io.BytesIO()
    _poster_qr(entrance).save(buffer, kind="svg", scale=10, border=4)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="image/svg+xml",
        as_attachment=True,
        download_name=_download_name(office, entrance, "svg"),
    )


@bp.route("/jaga/kantor/<int:office_id>/poster/<int:entrance_id>/qr.png")
@roles("admin")
def poster_png(office_id: int, entrance_id: int):
    """The entrance's QR code as a PNG file."""
    office, entrance = _poster_entrance(office_id, entrance_id)
    buffer = io.BytesIO()
    _poster_qr(entrance).save(buffer, kind="png", scale=12, border=4)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="image/png",
        as_attachment=True,
        download_name=_download_name(office, entrance, "png"),
    )
