"""Flask-Login wiring: sessions keyed by a per-login token kept on the server."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from patrol.rules.timeutil import utcnow
from patrol.services import login_sessions
from patrol.web.htmx import is_htmx


def init_login(app: Flask, login_manager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    # "basic" keeps remember-me usable on phones whose address changes between cell towers.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(login_token: str):
        # The cookie names one login on the server: ended by logout, expired after a shift.
        return login_sessions.load(login_token, utcnow())

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            response = jsonify(error=str(_l("Sesi berakhir. Silakan masuk lagi.")))
            response.status_code = 401
            return response
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if is_htmx():
            response = app.response_class(status=401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
