"""Template filters and globals: how values read on a page (no database queries here)."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Flask
from flask_babel import format_date
from flask_babel import gettext as _

from patrol.rules import checkin as checkin_rules
from patrol.rules import crowd, geofence
from patrol.rules.numbers import angka
from patrol.rules.timeutil import utcnow
from patrol.services import complaints, reports
from patrol.services.entries import level_for


def rupiah(amount: int | None) -> str:
    """Rupiah with dots between thousands: Rp100.000 (the one rule in rules.numbers)."""
    return angka(amount, "Rp")


def format_wib_date(day: date) -> str:
    """A calendar day as people read it, e.g. ``Jumat, 27 Nov 2026``."""
    return format_date(day, "EEEE, d MMM yyyy")


def zone_centre(geometry: dict) -> tuple[float, float]:
    """(lat, lon) of a zone's centre, for links and small maps (the one the public feed uses)."""
    return geofence.centre(geometry)


def sanction_label(level: str) -> str:
    """The sanction level in words."""
    labels = {"ringan": _("Ringan"), "sedang": _("Sedang"), "berat": _("Berat")}
    return labels.get(level, level)


def new_visit_uuid() -> str:
    """A server-made UUID for a form, replaced by the browser's own when it has one."""
    return str(uuid.uuid4())


def crowd_level_for(headcount, capacity: int) -> str | None:
    """The level a typed headcount would get (None while it is not a number)."""
    try:
        return level_for(int(headcount), capacity)
    except (TypeError, ValueError):
        return None


def rendered_at() -> str:
    """When this page was made (UTC, ISO 8601): a phone tells an old copy from a new one."""
    return utcnow().isoformat(timespec="milliseconds")


def distance(metres: float | None) -> str:
    """A distance for people: metres up to 1 km, then kilometres."""
    return checkin_rules.format_distance(metres)


def register_template_helpers(app: Flask) -> None:
    """Make the filters and globals above available to every template."""
    app.jinja_env.filters["rupiah"] = rupiah
    # Numbers and money the Indonesian way on every page: 10.000, Rp100.000.
    app.jinja_env.filters["angka"] = angka
    app.jinja_env.filters["format_wib_date"] = format_wib_date
    app.jinja_env.filters["zone_centre"] = zone_centre
    app.jinja_env.globals["crowd_level_label"] = crowd.level_label
    app.jinja_env.globals["sanction_label"] = sanction_label
    app.jinja_env.globals["new_visit_uuid"] = new_visit_uuid
    app.jinja_env.globals["rendered_at"] = rendered_at
    app.jinja_env.globals["crowd_level_for"] = crowd_level_for
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.globals["complaint_category_label"] = complaints.category_label
    # The report charts' continuous axes (templates/reports/_charts.html).
    app.jinja_env.globals["daily_series"] = reports.daily_series
    app.jinja_env.globals["hourly_series"] = reports.hourly_series
