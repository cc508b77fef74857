"""The audit trail in words: what kind of record, what was done, which field, and each
value as people read it (times in WIB), so that no raw key reaches the audit page."""

from __future__ import annotations

import json
from datetime import datetime

from flask_babel import gettext as _

from patrol.rules.numbers import angka
from patrol.web.i18n import wib


def entity_labels() -> dict[str, str]:
    """Every kind of record the audit trail names."""
    return {
        "zone": _("Zona"),
        "assignment": _("Shift"),
        "office": _("Kantor"),
        "entrance": _("Pintu masuk"),
        "user": _("Pengguna"),
        "guard_post": _("Pos jaga"),
        "violation": _("Pelanggaran"),
        "crowd_count": _("Hitungan keramaian"),
        "sos_alert": _("SOS"),
        "checkpoint": _("Titik patroli"),
        "patrol_round": _("Putaran patroli"),
        "missed_checkpoint": _("Titik terlewat"),
        "visit": _("Kunjungan"),
        "complaint": _("Aduan"),
    }


def action_label(action: str) -> str:
    """What was done, in words (the raw key only for an action this list does not know)."""
    return {
        "create": _("dibuat"),
        "update": _("diubah"),
        "delete": _("dihapus"),
        "activate": _("diaktifkan"),
        "deactivate": _("dinonaktifkan"),
        "revoke": _("kode dicabut"),
        "reissue": _("kode baru diterbitkan"),
        "reissue_token": _("kode baru diterbitkan"),
        "reset_password": _("kata sandi diganti"),
        "review": _("ditinjau"),
        "withdraw": _("ditarik"),
        "acknowledge": _("diterima"),
        "close": _("ditutup"),
        "correct": _("dikoreksi"),
        "assign": _("ditugaskan"),
        "merge": _("digabung"),
        "reject": _("ditolak"),
        "nik_lookup": _("cek NIK"),
        "nik_lookup_refused": _("cek NIK ditolak"),
    }.get(action, action)


def entity_label(entity: str) -> str:
    """The kind of record, in words."""
    return entity_labels().get(entity, entity)


def field_label(key: str) -> str:
    """A changed field, in words."""
    return {
        "name": _("Nama"),
        "kind": _("Jenis"),
        "kecamatan": _("Kecamatan"),
        "capacity": _("Kapasitas"),
        "geometry": _("Wilayah"),
        "active": _("Aktif"),
        "address": _("Alamat"),
        "lat": _("Lintang"),
        "lon": _("Bujur"),
        "radius_m": _("Jari-jari (m)"),
        "opens_at": _("Buka"),
        "closes_at": _("Tutup"),
        "username": _("Nama pengguna"),
        "full_name": _("Nama lengkap"),
        "role": _("Peran"),
        "officer_id": _("Petugas"),
        "guard_id": _("Petugas keamanan"),
        "zone_id": _("Zona"),
        "office_id": _("Kantor"),
        "starts_at": _("Mulai"),
        "ends_at": _("Selesai"),
        "revoked_at": _("Dicabut"),
        "token_issued_at": _("Kode diterbitkan"),
        "sessions_ended": _("Sesi diakhiri"),
        "reviewed_at": _("Ditinjau"),
        "comment": _("Komentar"),
        "outcome": _("Keputusan"),
        "note": _("Catatan"),
        "notes": _("Catatan"),
        "withdrawn_at": _("Ditarik"),
        "reason": _("Alasan"),
        "due_at": _("Jatuh tempo"),
        "category": _("Kategori"),
        "action": _("Tindakan"),
        "people_count": _("Jumlah orang"),
        "fine_amount": _("Denda"),
    }.get(key, key.replace("_", " "))


def _time(text: str) -> str | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None or "T" not in text:
        return None
    return wib(value) + " WIB"


def value_text(key: str, value) -> str:
    """One value as people read it: times in WIB, yes/no, words for known codes."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if key == "fine_amount" and isinstance(value, int | float):
        return angka(value, "Rp")
    if isinstance(value, int | float):
        if float(value).is_integer():
            return angka(value)
        return angka(value, decimals=6).rstrip("0")
    if isinstance(value, dict):
        if value.get("type") == "Point":
            radius = (value.get("properties") or {}).get("radius_m")
            return _("lingkaran, jari-jari %(m)s m", m=angka(radius))
        if value.get("type") == "Polygon":
            corners = max(len((value.get("coordinates") or [[]])[0]) - 1, 0)
            return _("poligon, %(n)s titik sudut", n=corners)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        words = {
            "approved": _("disetujui"),
            "returned": _("dikembalikan ke petugas"),
            "admin": _("admin"),
            "officer": _("petugas patroli"),
            "guard": _("petugas keamanan"),
        }
        if value in words and key in ("outcome", "role"):
            return words[value]
        return _time(value) or value
    return str(value)


def changes(before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """(field, before, after) in words for every field either side names, in order."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (
            field_label(key),
            value_text(key, before.get(key)) if key in before else "",
            value_text(key, after.get(key)) if key in after else "",
        )
        for key in keys
    ]
