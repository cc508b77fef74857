"""Login, logout, language choice, and the home redirect per role."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from patrol.access import public, staff
from patrol.extensions import db, limiter
from patrol.forms.base import LoginForm
from patrol.rules.timeutil import utcnow
from patrol.services import login_sessions
from patrol.services.people import authenticate
from patrol.web.urls import is_safe_next

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {"officer": "patrol.home", "guard": "checkin.boards", "admin": "admin.home"}


def home_url_for(user) -> str:
    return url_for(HOME_BY_ROLE[user.role])


def _login_username() -> str:
    return request.form.get("username", "").strip().lower()[:64]


def _login_username_key() -> str:
    return "login-user:" + _login_username()


def _login_username_address_key() -> str:
    # A stranger guessing from their own address throttles only themselves.
    return f"login-user-ip:{get_remote_address()}:{_login_username()}"


def _failed_login(response) -> bool:
    # Only failed attempts count towards the lock-out; a successful login redirects.
    return response.status_code == 401


def _successful_login(response) -> bool:
    return response.status_code == 302


@bp.route("/")
@public
def index():
    """Send each role to its home; anonymous visitors to the public park page."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return redirect(url_for("public.parks"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USER_IP"],
    key_func=_login_username_address_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USER"],
    key_func=_login_username_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    # Each login costs a password hash: many from one address would starve the workers.
    lambda: current_app.config["LOGIN_LIMIT_SUCCESS_PER_IP"],
    key_func=lambda: "login-ok:" + get_remote_address(),
    methods=["POST"],
    deduct_when=_successful_login,
)
def login():
    """Log in with username and password; remember-me lasts one shift."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_sessions.start(user, utcnow(), current_app.config["PERMANENT_SESSION_LIFETIME"])
            db.session.commit()
            session.permanent = True
            login_user(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else home_url_for(user))
        form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Log out on this device: the login ends on the server, so its cookies die too."""
    if current_user.is_authenticated:
        login_sessions.end(current_user.login_token)
        db.session.commit()
    logout_user()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout-everywhere", methods=["POST"])
@staff
def logout_everywhere():
    """End every session of the current user, on all devices."""
    login_sessions.end_all(current_user)
    db.session.commit()
    logout_user()
    flash(_("Anda sudah keluar dari semua perangkat."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember the chosen UI language on this device."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("auth.index"))
