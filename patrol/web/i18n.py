"""Language and time zone: Bahasa Indonesia and WIB first, English on request."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, Domain, format_datetime, get_locale


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


class KeptDomain(Domain):
    """Flask-Babel's message domain with the catalogue kept while the locale stays.

    Flask-Babel finds the locale and its catalogue anew for every string (19 us; a page
    asks 40 to 80, in templates and in Python). The catalogue is kept beside the locale
    Flask-Babel keeps for the context (``g._flask_babel.babel_locale``), and used only
    while that very locale object is the current one: ``refresh()``, ``force_locale()``
    and a language switched within a request still take effect.
    """

    def get_translations(self):
        if not g:  # no application context: nothing to keep it in
            return super().get_translations()
        space = getattr(g, "_flask_babel", None)
        kept = getattr(space, "patroli_translations", None)
        locale = getattr(space, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        translations = super().get_translations()  # sets g._flask_babel.babel_locale
        space = g._flask_babel
        space.patroli_translations = (getattr(space, "babel_locale", None), self, translations)
        return translations


def keep_translations(babel: Babel, app: Flask) -> None:
    """Make :class:`KeptDomain` the domain every ``gettext`` and template string uses."""
    if not isinstance(babel.__dict__.get("domain_instance"), KeptDomain):
        babel.domain_instance = KeptDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["wib"] = wib
    app.jinja_env.filters["wib_time"] = wib_time

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
