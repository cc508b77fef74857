"""The Bahasa Indonesia messages of the input layer, in one place.

Pydantic reports an error as a type (``missing``, ``string_type``, ``less_than_equal``…)
and where it happened; ``message_for`` turns that into the sentence an officer reads,
naming the field. The input types raise their own errors (``PydanticCustomError``) with the
type names listed in ``CUSTOM``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError as PydanticError

from patrol.services.errors import FormErrors, ValidationError

# What each input field is called in a message.
LABELS = {
    "uuid": _l("Kode entri (UUID)"),
    "kind": _l("Jenis catatan (kind)"),
    "recorded_at": _l("Waktu pencatatan (recorded_at)"),
    "lat": _l("Lintang"),
    "lon": _l("Bujur"),
    "accuracy_m": _l("Akurasi GPS"),
    "gps_error": _l("Alasan tanpa GPS"),
    "zone_id": _l("Zona"),
    "office_id": _l("Kantor"),
    "visit_uuid": _l("Kunjungan (visit_uuid)"),
    "category": _l("Jenis pelanggaran"),
    "action": _l("Tindakan"),
    "people_count": _l("Jumlah orang"),
    "fine_amount": _l("Jumlah denda"),
    "offender_name": _l("Nama pelanggar"),
    "offender_nik": _l("NIK"),
    "notes": _l("Catatan"),
    "headcount": _l("Jumlah pengunjung"),
    "token": _l("Kode titik"),
    "records": _l("Daftar catatan (records)"),
    "start": _l("Tanggal mulai"),
    "end": _l("Tanggal akhir"),
    "entity": _l("Jenis data"),
}

# Error types the input types raise themselves; their message is already in Bahasa.
CUSTOM = {
    "uuid_invalid",
    "uuid_missing",
    "time_invalid",
    "time_naive",
    "time_out_of_range",
    "nul_character",
    "gps_number",
    "gps_range",
    "gps_negative",
    "id_invalid",
    "fine_invalid",
    "date_invalid",
    "date_range",
    # The door's forms (inputs.checkin) and the public complaint form (inputs.complaints).
    "form_stale",
    "name_missing",
    "name_long",
    "phone_missing",
    "phone_invalid",
    "purpose_missing",
    "purpose_long",
    "symptoms",
    "doses",
    "location",
    "reason_missing",
    "reason_long",
    "category_missing",
    "category_unknown",
    "description_missing",
    "description_long",
    "consent_missing",
    "park_unknown",
}


def label(name: str) -> str:
    """What a field is called in a message (its own name when it has no label)."""
    return str(LABELS.get(name, name))


def _limit(ctx: dict, *keys: str):
    for key in keys:
        if key in ctx:
            value = ctx[key]
            return f"{value:,}".replace(",", ".") if isinstance(value, int) else value
    return ""


def message_for(error: dict) -> tuple[str, str | None]:
    """(message, field) for one pydantic error, in Bahasa Indonesia."""
    loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
    # A union adds its member's name after the field (``notes.str``): the field is first.
    field = loc[0] if loc else None
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    name = label(field) if field else _("Isian")
    if kind in CUSTOM:
        return str(error["msg"]), field
    if kind == "missing":
        return _("%(label)s wajib diisi.", label=name), field
    if kind in ("string_type", "string_unicode"):
        return _("Isian %(name)s harus berupa teks.", name=field or "?"), field
    if kind == "string_too_long":
        return _(
            "%(label)s terlalu panjang (paling banyak %(n)d huruf).",
            label=name,
            n=ctx.get("max_length", 0),
        ), field
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return _("%(label)s harus berupa bilangan bulat.", label=name), field
    if kind in ("float_type", "float_parsing", "finite_number"):
        return _("%(label)s harus berupa angka.", label=name), field
    if kind in ("greater_than_equal", "greater_than"):
        return _(
            "%(label)s tidak boleh kurang dari %(min)s.", label=name, min=_limit(ctx, "ge", "gt")
        ), field
    if kind in ("less_than_equal", "less_than"):
        return _(
            "%(label)s tidak boleh lebih dari %(max)s.", label=name, max=_limit(ctx, "le", "lt")
        ), field
    if kind in ("literal_error", "union_tag_invalid", "union_tag_not_found"):
        return _("%(label)s tidak dikenal.", label=name), field
    if kind in ("list_type", "too_long", "too_short"):
        return _("%(label)s harus berupa daftar yang sah.", label=name), field
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("Setiap catatan harus berupa objek JSON."), field
    if kind == "extra_forbidden":
        return _("Isian %(name)s tidak dikenal.", name=field or "?"), field
    return _("Isian %(name)s tidak sah.", name=name), field


def as_form_errors(error: PydanticError, error_fields: dict) -> FormErrors:
    """Every problem of a failed form, each beside its field (``error_fields`` moves a
    field's message to another place on the form), the first one per place."""
    errors: dict[str | None, str] = {}
    for item in error.errors(include_url=False):
        message, field = message_for(item)
        errors.setdefault(error_fields.get(field, field), message)
    return FormErrors(errors)


def as_validation_error(error: PydanticError) -> ValidationError:
    """The first problem of a failed model, as the services' ValidationError."""
    message, field = message_for(error.errors(include_url=False)[0])
    return ValidationError(message, field)
