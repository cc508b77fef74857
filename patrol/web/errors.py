"""Error pages in Bahasa Indonesia (JSON under /api/), and rollback after a failure."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from patrol.extensions import db


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Permintaan tidak valid"), _("Data yang dikirim tidak dapat diproses.")),
        401: (_("Perlu masuk"), _("Silakan masuk untuk melanjutkan.")),
        403: (_("Akses ditolak"), _("Anda tidak berhak membuka halaman ini.")),
        404: (_("Tidak ditemukan"), _("Halaman yang Anda cari tidak ada.")),
        405: (_("Metode tidak diizinkan"), _("Cara membuka halaman ini tidak didukung.")),
        413: (_("Berkas terlalu besar"), _("Berkas yang dikirim melebihi batas ukuran.")),
        422: (_("Data tidak valid"), _("Periksa kembali isian Anda.")),
        429: (
            _("Terlalu banyak permintaan"),
            _("Anda mencoba terlalu sering. Tunggu sebentar, lalu coba lagi."),
        ),
        500: (
            _("Terjadi kesalahan"),
            _("Maaf, terjadi kesalahan di server. Data Anda tidak tersimpan; coba lagi."),
        ),
        503: (
            _("Layanan tidak tersedia"),
            _("Layanan sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi."),
        ),
    }


def error_response(code: int, detail: str | None = None):
    """Render the error page (or JSON for the API) for an HTTP status code."""
    title, message = _messages().get(code, (_("Kesalahan"), _("Terjadi kesalahan.")))
    if detail:
        message = detail
    if request.path.startswith("/api/"):
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(
            400,
            _("Formulir sudah kedaluwarsa atau tidak sah (token CSRF). Muat ulang lalu coba lagi."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        code = error.code or 500
        # A view that aborts with its own description (in Indonesian) has it shown.
        detail = error.description if error.description != type(error).description else None
        if code == 429:
            detail = _(
                "Terlalu banyak percobaan dari perangkat atau akun ini. "
                "Tunggu beberapa menit, lalu coba lagi."
            )
        return error_response(code, detail)

    @app.errorhandler(sa.exc.OperationalError)
    def database_unavailable(error):
        db.session.rollback()
        app.logger.error("database unavailable: %s", error.orig)
        # The page must not load the logged-in user from the database that just failed
        # (it would fail again inside this handler and give a bare 500).
        g._login_user = app.login_manager.anonymous_user()
        return error_response(503)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500)
