"""Security headers on every response, written in the app (no unmaintained extension).

The Content-Security-Policy allows scripts and styles from this site only: no inline
scripts, no eval (htmx runs with allowEval off), no inline style attributes. Map tiles are
the one outside source, taken from ``TILE_URL``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request


def tile_origin(tile_url: str) -> str | None:
    """The origin of a Leaflet tile URL template, with ``{s}`` subdomains as a wildcard."""
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(tile_url: str) -> str:
    tiles = tile_origin(tile_url)
    images = "'self' data: blob:" + (f" {tiles}" if tiles else "")
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": images,
        "connect-src": "'self'",
        "font-src": "'self'",
        "media-src": "'self' blob:",
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(self), microphone=(), payment=(), usb=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)


def init_security_headers(app: Flask) -> None:
    policy = content_security_policy(app.config["TILE_URL"])

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages shown to logged-in staff carry personal data: keep them out of shared and
        # back-button caches (a stolen or borrowed phone).
        if request.endpoint != "static" and "Cache-Control" not in headers:
            from flask_login import current_user

            if current_user and current_user.is_authenticated:
                headers["Cache-Control"] = "private, no-store"
        _name_cache_owner(app, response)
        return response


def _name_cache_owner(app: Flask, response) -> None:
    """Say whose page this is, for the officer app's offline cache (patrol/pwa.py)."""
    if request.endpoint == "static":
        return
    from flask_login import current_user

    from patrol.web import pwa

    if current_user and current_user.is_authenticated:
        owner = pwa.cache_owner(app.secret_key, current_user.id)
        response.headers[pwa.CACHE_OWNER_HEADER] = owner


def reject_nul_bytes():
    """Before every request: refuse (400) input holding a NUL character.

    No form has a use for it, SQLite would store it silently and PostgreSQL refuses it with
    an error deep inside a service; refusing it here gives one clear answer everywhere.
    """
    from flask import abort
    from flask_babel import gettext as _

    from patrol.web.urls import has_nul_byte

    path_values = (request.view_args or {}).values()
    if (
        has_nul_byte(path_values)
        or has_nul_byte(request.args.values())
        or (request.form and has_nul_byte(request.form.values()))
    ):
        abort(400, description=_("Isian berisi karakter yang tidak diizinkan."))
