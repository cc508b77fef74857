"""Template filters and globals: how values read on a page (no database queries here)."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Flask
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from patrol.rules import checkin as checkin_rules
from patrol.rules import crowd, geofence
from patrol.rules.numbers import angka
from patrol.rules.timeutil import utcnow
from patrol.services import complaints, reports
from patrol.services.entries import level_for
from patrol.web.urls import IdUrls


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


# The outbox's words for outbox.js (_outbox_status.html, as data-text-* attributes): some
# forty sentences on every officer page, the same for every officer in one language, so
# they are made once per language and worker instead of on every page.
OUTBOX_TEXTS = {
    "waiting": _l("{n} menunggu dikirim"),
    "sending": _l("Mengirim…"),
    "sent": _l("Semua catatan terkirim."),
    "offline": _l("Tidak ada sinyal. Catatan aman di ponsel dan dikirim otomatis nanti."),
    "error": _l("Server belum bisa menerima. Dicoba lagi otomatis."),
    "pending": _l("menunggu dikirim"),
    "rejected": _l("ditolak"),
    "people": _l("{n} orang"),
    "visitors": _l("Pengunjung: {n}"),
    "scan": _l("Titik dipindai"),
    "continue": _l("Lanjutkan kunjungan"),
    "open-title": _l("Kunjungan berjalan"),
    "queued-offline": _l("Tidak ada sinyal: catatan aman di ponsel, menunggu dikirim."),
    "queued-error": _l("Server tidak menjawab: catatan aman di ponsel, menunggu dikirim."),
    "refused": _l("Server menolak catatan ini. Muat ulang halaman, lalu coba lagi."),
    "refused-400": _l("Formulir kedaluwarsa. Muat ulang halaman, lalu simpan lagi."),
    "refused-403": _l("Anda tidak berhak mencatat di kunjungan ini."),
    "refused-404": _l("Kunjungan ini tidak ditemukan di server."),
    "kind-visit-start": _l("Mulai kunjungan"),
    "kind-visit-end": _l("Selesai kunjungan"),
    "kind-violation": _l("Pelanggaran"),
    "kind-crowd-count": _l("Hitungan pengunjung"),
    "kind-checkpoint-scan": _l("Pindaian titik"),
    "kind-complaint-accept": _l("Terima aduan"),
    "kind-complaint-close": _l("Tutup aduan"),
    "move": _l("Pindahkan ke kunjungan berjalan dan kirim"),
    "resend": _l("Kirim lagi"),
    "fix": _l("Ubah"),
    "drop": _l("Buang"),
    "drop-confirm": _l("Buang catatan ini dari ponsel? Catatan tidak akan sampai ke server."),
    "photo-sending": _l("Mengirim foto…"),
    "photo-waiting": _l("Foto menunggu dikirim"),
    "photo-refused": _l("Foto ditolak server"),
    "photo-alt": _l("Foto pelanggaran"),
    "login": _l("Sesi berakhir. Masuk lagi untuk mengirim; catatan tetap di ponsel."),
}
_outbox_attributes: dict[str, Markup] = {}


def outbox_text_attributes() -> Markup:
    """The outbox's ``data-text-*`` attributes in the page's language."""
    locale = str(get_locale())
    attributes = _outbox_attributes.get(locale)
    if attributes is None:
        attributes = Markup(" ").join(
            Markup('data-text-{}="{}"').format(key, str(text)) for key, text in OUTBOX_TEXTS.items()
        )
        _outbox_attributes[locale] = attributes
    return attributes


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
    app.jinja_env.globals["outbox_text_attributes"] = outbox_text_attributes
    app.jinja_env.globals["id_urls"] = IdUrls
    app.jinja_env.globals["complaint_category_label"] = complaints.category_label
    # The report charts' continuous axes (templates/reports/_charts.html).
    app.jinja_env.globals["daily_series"] = reports.daily_series
    app.jinja_env.globals["hourly_series"] = reports.hourly_series
