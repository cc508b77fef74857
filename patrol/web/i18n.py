"""Language and time zone: Bahasa Indonesia and WIB first, English on request."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_datetime, get_locale, get_translations


def select_locale() -> str:
    """The language chosen on this device, else Indonesian (also for CLI output)."""
    languages = current_app.config["LANGUAGES"]
    chosen = None
    if has_request_context():
        from patrol.web.http_cache import is_shared_page

        # A page cached for everyone carries its language in the URL, not the session.
        chosen = request.args.get("lang") if is_shared_page() else session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def wib(value: datetime | None, fmt: str = "d MMM yyyy HH:mm") -> str:
    """A UTC datetime shown in WIB, e.g. ``27 Nov 2026 11.15 WIB``."""
    if value is None:
        return "–"
    return f"{format_datetime(value, fmt)} WIB"


def wib_time(value: datetime | None) -> str:
    """Hours and minutes in WIB, e.g. ``11:15 WIB``; digits only, so no locale data is needed.

    The guard board prints one per person inside; Babel's formatter costs several times more.
    """
    if value is None:
        return "–"
    return f"{value.astimezone(_zone(select_timezone())):%H:%M} WIB"


def request_translations():
    """Flask-Babel's ``get_translations()``, looked up again only when the locale changes.

    Flask-Babel finds the locale and its catalogue anew for every string (19 us; a page
    asks 40 to 80). The catalogue is kept beside the locale Flask-Babel keeps for the
    context (``g._flask_babel.babel_locale``) and only while that very locale object is
    the current one, so ``refresh()``, ``force_locale()`` and a language switched within
    a request still take effect.
    """
    if not g:  # no application context: nothing to keep it in
        return get_translations()
    space = getattr(g, "_flask_babel", None)
    kept = getattr(space, "patroli_translations", None)
    locale = getattr(space, "babel_locale", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()  # sets g._flask_babel and its babel_locale
    g._flask_babel.patroli_translations = (g._flask_babel.babel_locale, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``, ``ngettext`` and friends through :func:`request_translations`
    (what Flask-Babel installs, with the look-up kept)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )


def register_template_helpers(app: Flask) -> None:
    install_template_gettext(app)
    app.jinja_env.filters["wib"] = wib
    app.jinja_env.filters["wib_time"] = wib_time

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
