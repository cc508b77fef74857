"""HTTP caching: versioned URLs for the app's static files, and pages shared by everyone.

Versioned static URLs. ``url_for('static', filename=...)`` gets ``?v=<content hash>``, so
nginx may keep a versioned file for a year (deploy/nginx-patroli.conf) while a release's
changed file gets a new URL at once. Files reached without ``url_for`` (images named in
CSS) stay unversioned and are revalidated. The service worker precaches the same
``url_for`` URLs (patrol.web.pwa, the ``service_worker`` view).

Shared pages. A view marked ``@shared_page`` (``/taman``, ``/api/v1/parks``) answers the
same bytes to every visitor, so nginx caches one copy for everyone. Three extensions would
otherwise personalise it through the session cookie: Flask-Login (the user's name in the
header, and its after-request hook reads the session on every request, which makes Flask
send ``Vary: Cookie``), Flask-WTF (``csrf_token()`` in base.html writes a token into the
session, so every visitor got a ``Set-Cookie``) and Flask-Babel (the language kept in the
session). For a shared page the request gets an empty session that is never saved (no
``Set-Cookie``, no ``Vary: Cookie``), an anonymous user even with a remember-me cookie, no
CSRF token, and the language from ``?lang=`` (base.html shows links instead of the form).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface


def shared_page(view):
    """Mark a view whose answer is the same for every visitor (cacheable by nginx)."""
    view.shared_page = True
    return view


def is_shared_page() -> bool:
    """True while answering a view marked ``@shared_page``."""
    return bool(g.get("shared_page"))


class SharedPageSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions, except that a shared page neither reads nor writes one.

    The session is opened before the URL is matched, so shared pages are known by path
    (``app.shared_page_paths``, filled from the marked views' routes).
    """

    def open_session(self, app, request):
        if request.path in getattr(app, "shared_page_paths", ()):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if request.path in getattr(app, "shared_page_paths", ()):
            return
        super().save_session(app, session, response)


def _mark_shared_request():
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "shared_page", False):
        g.shared_page = True
        # Flask-Login keeps the request's user in g._login_user; setting it here means a
        # remember-me cookie is never read for a shared page.
        g._login_user = current_app.login_manager.anonymous_user()


# Content hashes by (path, modification time, size): each file is read once per process.
_VERSIONS: dict[tuple[str, int, int], str] = {}


def _static_version(static_folder: str, filename: str) -> str | None:
    """A short hash of the file's content, recomputed only when its size or time changes."""
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    version = _VERSIONS.get(key)
    if version is None:
        version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        _VERSIONS[key] = version
    return version


def init_http_cache(app: Flask) -> None:
    """Install the session interface, the shared-page hooks and the static URL versions."""
    app.session_interface = SharedPageSessionInterface()
    app.shared_page_paths = frozenset(
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.arguments and getattr(app.view_functions[rule.endpoint], "shared_page", False)
    )
    # First of the hooks: nothing may load the user before the shared page is marked.
    app.before_request_funcs.setdefault(None, []).insert(0, _mark_shared_request)

    @app.context_processor
    def shared_page_context():
        if not is_shared_page():
            return {"shared_page": False}
        return {"shared_page": True, "csrf_token": lambda: ""}

    init_static_versions(app)


def init_static_versions(app: Flask) -> None:
    """``url_for('static', ...)`` adds ``v=<content hash>``, so a file can be cached for good."""
    # In production a release's static files do not change under a running worker (a new
    # release restarts the workers), so a file's version is looked up once per worker and
    # name, without the stat that development needs to see edits.
    fixed: dict[str, str | None] = {}
    stat_each_time = app.config.get("PATROLI_ENV") != "production"

    @app.url_defaults
    def versioned_static(endpoint, values):
        if endpoint == "static" and "v" not in values and app.static_folder:
            filename = values.get("filename", "")
            if stat_each_time or filename not in fixed:
                fixed[filename] = _static_version(app.static_folder, filename)
            if fixed[filename]:
                values["v"] = fixed[filename]
