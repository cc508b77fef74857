"""Officer field logging: visits, violations and crowd counts, each stamped with GPS.

Every function takes plain values (codes, not ids; UUIDs chosen by the client; times
given by the caller), so that the web forms and the offline sync API call the same code.
Functions add and flush; the caller commits once. Bad input raises ValidationError and
leaves nothing behind in the session.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import re
import secrets
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol import geofence
from patrol.crowd import crowd_level
from patrol.extensions import db
from patrol.models import (
    Assignment,
    CrowdCount,
    Violation,
    ViolationAction,
    ViolationCategory,
    Visit,
    Zone,
)
from patrol.services.audit import record
from patrol.services.errors import ValidationError
from patrol.timeutil import utcnow

MAX_COUNT = 10_000
EDIT_WINDOW = timedelta(minutes=15)
# A client clock may run a little ahead of the server's; more than this is refused.
CLOCK_SKEW = timedelta(minutes=5)
GPS_ERRORS = ("denied", "unavailable", "timeout", "unsupported")
PHOTO_MAX_SIDE = 1600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
SANCTION_LEVELS = ("ringan", "sedang", "berat")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# Plain-value helpers --------------------------------------------------------------------


@dataclass(frozen=True)
class Gps:
    """A GPS fix from the phone, or the reason there is none."""

    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    error: str | None = None


def _number(value, field_name: str, message: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(message, field_name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(message, field_name) from None
    if not math.isfinite(number):
        raise ValidationError(message, field_name)
    return number


def parse_gps(lat=None, lon=None, accuracy=None, error=None) -> Gps:
    """Check a fix given as strings or numbers; a missing fix keeps the phone's reason."""
    lat_v = _number(lat, "lat", _("Lintang harus berupa angka."))
    lon_v = _number(lon, "lon", _("Bujur harus berupa angka."))
    acc_v = _number(accuracy, "accuracy", _("Akurasi GPS harus berupa angka."))
    if lat_v is None or lon_v is None:
        reason = (error or "").strip().lower()
        return Gps(error=reason if reason in GPS_ERRORS else "unavailable")
    if not -90 <= lat_v <= 90:
        raise ValidationError(_("Lintang harus antara -90 dan 90."), "lat")
    if not -180 <= lon_v <= 180:
        raise ValidationError(_("Bujur harus antara -180 dan 180."), "lon")
    if acc_v is not None and acc_v < 0:
        raise ValidationError(_("Akurasi GPS tidak boleh negatif."), "accuracy")
    return Gps(lat_v, lon_v, acc_v)


def _fix(zone: Zone, gps: Gps) -> dict:
    """The stored GPS columns for a fix: position, verdict, distance and a note."""
    if gps.lat is None or gps.lon is None:
        return {
            "lat": None,
            "lon": None,
            "accuracy_m": None,
            "geofence": "no_gps",
            "distance_m": None,
            "gps_note": gps.error or "unavailable",
        }
    result = geofence.verdict(zone.geometry, gps.lat, gps.lon, gps.accuracy_m)
    note = "suspicious" if result.suspicious else result.reason
    return {
        "lat": gps.lat,
        "lon": gps.lon,
        "accuracy_m": gps.accuracy_m,
        "geofence": result.status,
        "distance_m": result.distance_m,
        "gps_note": note,
    }


def parse_count(value, field_name: str, minimum: int, label: str) -> int:
    """A whole number between minimum and 10 000, with a message naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_("%(label)s wajib diisi.", label=label), field_name)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationError(
            _("%(label)s harus berupa bilangan bulat.", label=label), field_name
        ) from None
    if isinstance(value, bool) or number < minimum:
        raise ValidationError(
            _("%(label)s tidak boleh kurang dari %(min)d.", label=label, min=minimum), field_name
        )
    if number > MAX_COUNT:
        raise ValidationError(
            _("%(label)s tidak boleh lebih dari %(max)s.", label=label, max="10.000"), field_name
        )
    return number


def _uuid(value: str | None) -> str:
    """A client UUID in canonical form; a fresh one when the client sent none."""
    if value is None or not str(value).strip():
        return str(uuid_module.uuid4())
    text = str(value).strip().lower()
    if not _UUID_RE.match(text):
        raise ValidationError(_("Kode entri (UUID) tidak sah."), "uuid")
    return text


def _when(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        raise ValidationError(_("Waktu harus menyertakan zona waktu."), "recorded_at")
    if value > now + CLOCK_SKEW:
        raise ValidationError(_("Waktu pencatatan ada di masa depan."), "recorded_at")
    return value


def _insert_once(model, obj):
    """Flush a new field record, or return the row that already holds its UUID.

    The unique constraint decides, not a look-up: two submissions racing with one UUID
    both reach the flush, and the loser finds the winner's row.
    """
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        existing = _by_uuid(model, obj.uuid)
        if existing is None:
            raise
        return existing, False
    return obj, True


def _by_uuid(model, value: str):
    return db.session.scalar(sa.select(model).where(model.uuid == value))


def _existing(model, value: str):
    """A retry's record, found before validating again (its visit may have closed since)."""
    return _by_uuid(model, value)


# NIK ------------------------------------------------------------------------------------


def nik_key() -> bytes:
    """The HMAC key for NIKs: NIK_HMAC_KEY, else one derived from SECRET_KEY."""
    configured = current_app.config.get("NIK_HMAC_KEY")
    if configured:
        return configured.encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"patroli-nik-hmac-v1", hashlib.sha256).digest()


def normalise_nik(value: str | None) -> str | None:
    """The 16 digits of a NIK (spaces and dots allowed in input), or None when empty."""
    if value is None:
        return None
    digits = re.sub(r"[\s.\-]", "", str(value))
    if not digits:
        return None
    if not re.fullmatch(r"\d{16}", digits):
        raise ValidationError(_("NIK harus terdiri dari 16 angka."), "offender_nik")
    return digits


def nik_hash(nik: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a normalised NIK; the NIK itself is never stored."""
    return hmac.new(nik_key(), nik.encode(), hashlib.sha256).hexdigest()


@dataclass
class OffenderHistory:
    count: int
    recent: list[datetime] = field(default_factory=list)

    @property
    def suggested_level(self) -> str:
        """Sanctions escalate: first violation ringan, second sedang, third and later berat."""
        return SANCTION_LEVELS[min(self.count, len(SANCTION_LEVELS) - 1)]


def offender_history(nik: str | None, exclude_id: int | None = None) -> OffenderHistory | None:
    """Earlier (not withdrawn) violations by the holder of this NIK; None without a NIK."""
    digits = normalise_nik(nik)
    if digits is None:
        return None
    query = sa.select(Violation.recorded_at).where(
        Violation.nik_hash == nik_hash(digits), Violation.withdrawn_at.is_(None)
    )
    if exclude_id is not None:
        query = query.where(Violation.id != exclude_id)
    dates = list(db.session.scalars(query.order_by(Violation.recorded_at.desc())))
    return OffenderHistory(count=len(dates), recent=dates[:3])


# Photos ---------------------------------------------------------------------------------


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def save_photo(data: bytes) -> str:
    """Re-encode a photo as JPEG (longest side 1600 px, no EXIF); return its random name."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(data) > limit:
        raise ValidationError(
            _("Foto terlalu besar (paling besar %(mb)d MB).", mb=limit // (1024 * 1024)), "photo"
        )
    message = _("Berkas ini bukan foto (JPEG, PNG atau WebP).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in PHOTO_FORMATS:
                raise ValidationError(message, "photo")
            image.load()
            # Turn the pixels upright before the orientation tag goes with the rest of EXIF.
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ValidationError(message, "photo") from None
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".jpg"
    # A fresh image carries no metadata: EXIF, GPS tags and comments stay behind.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    clean.save(folder / name, "JPEG", quality=82, optimize=True)
    return name


def photo_file(violation: Violation) -> Path | None:
    """Where a violation's photo lies on disk, or None when it has none."""
    if not violation.photo_path:
        return None
    return upload_folder() / Path(violation.photo_path).name


# Visits ---------------------------------------------------------------------------------


def open_visit(officer_id: int) -> Visit | None:
    """The officer's visit still in progress, if any."""
    return db.session.scalar(
        sa.select(Visit)
        .options(joinedload(Visit.zone))
        .where(Visit.officer_id == officer_id, Visit.ended_at.is_(None))
        .order_by(Visit.started_at.desc())
        .limit(1)
    )


def visit_deadline(visit: Visit) -> datetime:
    """When the system closes a visit left open: the end of its shift, else a maximum span."""
    if visit.assignment is not None:
        return visit.assignment.ends_at
    return visit.started_at + timedelta(hours=current_app.config["VISIT_MAX_HOURS"])


def close_overdue_visits(now: datetime | None = None, officer_id: int | None = None) -> int:
    """Close visits left open past the end of their shift (closed_by="system"); return how many."""
    now = now or utcnow()
    query = (
        sa.select(Visit)
        .options(joinedload(Visit.assignment))
        .where(Visit.ended_at.is_(None), Visit.started_at <= now)
    )
    if officer_id is not None:
        query = query.where(Visit.officer_id == officer_id)
    closed = sum(_close_if_overdue(visit, now) for visit in db.session.scalars(query))
    db.session.flush()
    return closed


def settle_open_visit(officer_id: int, now: datetime) -> tuple[Visit | None, int]:
    """The officer's visit in progress, after closing any left open past its deadline.

    The officer's home page needs both; one query serves them (an officer has at most a
    few open visits, normally one). Returns (the open visit or None, how many were closed).
    """
    visits = db.session.scalars(
        sa.select(Visit)
        .options(joinedload(Visit.assignment), joinedload(Visit.zone))
        .where(Visit.officer_id == officer_id, Visit.ended_at.is_(None))
        .order_by(Visit.started_at.desc())
    ).all()
    closed = sum(_close_if_overdue(visit, now) for visit in visits if visit.started_at <= now)
    if closed:
        db.session.flush()
    return next((visit for visit in visits if visit.ended_at is None), None), closed


def _close_if_overdue(visit: Visit, now: datetime) -> bool:
    deadline = visit_deadline(visit)
    if deadline > now:
        return False
    visit.ended_at = max(deadline, visit.started_at)
    visit.closed_by = "system"
    visit.end_geofence = "no_gps"
    visit.end_gps_note = "shift_ended"
    return True


def _shift_for(officer_id: int, zone_id: int, at: datetime) -> Assignment | None:
    return db.session.scalar(
        sa.select(Assignment)
        .where(
            Assignment.officer_id == officer_id,
            Assignment.zone_id == zone_id,
            Assignment.starts_at <= at,
            Assignment.ends_at > at,
        )
        .limit(1)
    )


def start_visit(
    officer_id: int,
    zone_id: int,
    uuid: str | None,
    gps: Gps,
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """Start a visit in a zone with the GPS verdict; the same UUID again returns that visit."""
    now = now or utcnow()
    client_uuid = _uuid(uuid)
    existing = _existing(Visit, client_uuid)
    if existing is not None:
        return _own(existing, officer_id)
    started_at = _when(started_at, now)
    zone = db.session.get(Zone, zone_id) if isinstance(zone_id, int) else None
    if zone is None or not zone.active:
        raise ValidationError(_("Zona tidak dikenal atau tidak aktif."), "zone_id")
    close_overdue_visits(now, officer_id)
    current = open_visit(officer_id)
    if current is not None:
        raise ValidationError(
            _(
                "Kunjungan di %(zone)s masih berjalan. Selesaikan dulu sebelum memulai yang baru.",
                zone=current.zone.name,
            ),
            "zone_id",
        )
    fix = _fix(zone, gps)
    shift = _shift_for(officer_id, zone.id, started_at)
    visit = Visit(
        uuid=client_uuid,
        officer_id=officer_id,
        zone_id=zone.id,
        assignment_id=shift.id if shift else None,
        started_at=started_at,
        start_lat=fix["lat"],
        start_lon=fix["lon"],
        start_accuracy_m=fix["accuracy_m"],
        start_geofence=fix["geofence"],
        start_distance_m=fix["distance_m"],
        start_gps_note=fix["gps_note"],
    )
    visit, _created = _insert_once(Visit, visit)
    return _own(visit, officer_id)


def _own(visit: Visit, officer_id: int) -> Visit:
    if visit.officer_id != officer_id:
        raise ValidationError(_("Kunjungan ini milik petugas lain."), "visit_uuid")
    return visit


def visit_for(officer_id: int, visit_uuid: str) -> Visit:
    """The officer's own visit with this UUID; a clear message when it is not theirs."""
    visit = _by_uuid(Visit, str(visit_uuid or "").strip().lower())
    if visit is None:
        raise ValidationError(_("Kunjungan tidak ditemukan."), "visit_uuid")
    return _own(visit, officer_id)


def end_visit(
    officer_id: int,
    visit_uuid: str,
    gps: Gps,
    end_uuid: str | None = None,
    ended_at: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """End a visit with a last GPS fix; ending it again (same end UUID) changes nothing."""
    now = now or utcnow()
    visit = visit_for(officer_id, visit_uuid)
    end_uuid = _uuid(end_uuid) if end_uuid else None
    if not visit.is_open:
        if end_uuid is not None and visit.end_uuid == end_uuid:
            return visit
        raise ValidationError(_("Kunjungan ini sudah selesai."), "visit_uuid")
    ended_at = _when(ended_at, now)
    if ended_at < visit.started_at:
        raise ValidationError(_("Waktu selesai sebelum waktu mulai."), "ended_at")
    fix = _fix(visit.zone, gps)
    visit.ended_at = ended_at
    visit.closed_by = "officer"
    visit.end_uuid = end_uuid
    visit.end_lat = fix["lat"]
    visit.end_lon = fix["lon"]
    visit.end_accuracy_m = fix["accuracy_m"]
    visit.end_geofence = fix["geofence"]
    visit.end_distance_m = fix["distance_m"]
    visit.end_gps_note = fix["gps_note"]
    db.session.flush()
    return visit


def _writable_visit(officer_id: int, visit_uuid: str, recorded_at: datetime) -> Visit:
    """A visit an entry may be added to: the officer's, and open at the entry's time."""
    visit = visit_for(officer_id, visit_uuid)
    if recorded_at < visit.started_at - CLOCK_SKEW:
        raise ValidationError(_("Waktu pencatatan sebelum kunjungan dimulai."), "recorded_at")
    # An offline entry made before the visit ended may arrive after it ended.
    if visit.ended_at is not None and recorded_at > visit.ended_at:
        raise ValidationError(
            _("Kunjungan ini sudah selesai; catatan baru tidak bisa ditambahkan."), "visit_uuid"
        )
    return visit


# Violations -----------------------------------------------------------------------------


def categories() -> list[ViolationCategory]:
    """Active violation categories, in the admin's order."""
    return list(
        db.session.scalars(
            sa.select(ViolationCategory)
            .where(ViolationCategory.active)
            .order_by(ViolationCategory.sort_order, ViolationCategory.id)
        )
    )


def actions() -> list[ViolationAction]:
    """Active actions, in the admin's order."""
    return list(
        db.session.scalars(
            sa.select(ViolationAction)
            .where(ViolationAction.active)
            .order_by(ViolationAction.sort_order, ViolationAction.id)
        )
    )


def _category(code: str | None) -> ViolationCategory:
    category = db.session.scalar(
        sa.select(ViolationCategory).where(
            ViolationCategory.code == (code or "").strip(), ViolationCategory.active
        )
    )
    if category is None:
        message = (
            _("Pilih jenis pelanggaran.") if not code else _("Jenis pelanggaran tidak dikenal.")
        )
        raise ValidationError(message, "category")
    return category


def _action(code: str | None) -> ViolationAction:
    action = db.session.scalar(
        sa.select(ViolationAction).where(
            ViolationAction.code == (code or "").strip(), ViolationAction.active
        )
    )
    if action is None:
        message = _("Pilih tindakan.") if not code else _("Tindakan tidak dikenal.")
        raise ValidationError(message, "action")
    return action


def _fine(action: ViolationAction, amount) -> int | None:
    """The fine for an action that needs one (its default when none given); else None."""
    if not action.requires_amount:
        return None
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        if action.default_fine_amount is None:
            raise ValidationError(_("Jumlah denda wajib diisi."), "fine_amount")
        return action.default_fine_amount
    text = str(amount).strip().replace(".", "").replace(",", "")
    if isinstance(amount, bool) or not text.isdigit():
        raise ValidationError(_("Jumlah denda harus berupa angka rupiah."), "fine_amount")
    value = int(text)
    if value > 100_000_000:
        raise ValidationError(_("Jumlah denda terlalu besar."), "fine_amount")
    return value


def _text(value: str | None, limit: int, field_name: str, label: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValidationError(
            _("%(label)s terlalu panjang (paling banyak %(n)d huruf).", label=label, n=limit),
            field_name,
        )
    return text


def log_violation(
    officer_id: int,
    visit_uuid: str,
    uuid: str | None,
    category: str | None,
    action: str | None,
    people_count=1,
    fine_amount=None,
    offender_name: str | None = None,
    offender_nik: str | None = None,
    notes: str | None = None,
    gps: Gps | None = None,
    recorded_at: datetime | None = None,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> tuple[Violation, bool]:
    """Record a violation in a visit; returns (violation, created). Same UUID: the existing one."""
    now = now or utcnow()
    client_uuid = _uuid(uuid)
    existing = _existing(Violation, client_uuid)
    if existing is not None:
        _own(existing.visit, officer_id)
        return existing, False
    recorded_at = _when(recorded_at, now)
    visit = _writable_visit(officer_id, visit_uuid, recorded_at)
    category_row = _category(category)
    action_row = _action(action)
    count = parse_count(people_count, "people_count", 1, _("Jumlah orang"))
    fine = _fine(action_row, fine_amount)
    name = _text(offender_name, 120, "offender_name", _("Nama pelanggar"))
    nik = normalise_nik(offender_nik)
    note_text = _text(notes, 2000, "notes", _("Catatan"))
    fix = _fix(visit.zone, gps or Gps(error="unavailable"))
    # The photo is written last, once everything else has passed.
    photo_name = save_photo(photo) if photo else None
    violation = Violation(
        uuid=client_uuid,
        visit_id=visit.id,
        recorded_at=recorded_at,
        category_id=category_row.id,
        action_id=action_row.id,
        people_count=count,
        fine_amount=fine,
        offender_name=name,
        nik_hash=nik_hash(nik) if nik else None,
        nik_last4=nik[-4:] if nik else None,
        notes=note_text,
        photo_path=photo_name,
        **fix,
    )
    return _insert_once(Violation, violation)


def _snapshot(violation: Violation) -> dict:
    return {
        "category": violation.category.code,
        "action": violation.action.code,
        "people_count": violation.people_count,
        "fine_amount": violation.fine_amount,
        "notes": violation.notes,
    }


def _check_editable(entry, actor_id: int, now: datetime) -> None:
    if entry.visit.officer_id != actor_id:
        raise ValidationError(_("Hanya pencatatnya yang boleh mengubah catatan ini."), "entry")
    if entry.withdrawn_at is not None:
        raise ValidationError(_("Catatan ini sudah ditarik."), "entry")
    if now - entry.created_at > EDIT_WINDOW:
        raise ValidationError(
            _("Batas 15 menit untuk mengubah atau menarik catatan ini sudah lewat."), "entry"
        )


def is_editable(entry, actor_id: int, now: datetime | None = None) -> bool:
    """Whether the actor may still correct or withdraw this entry (author, within 15 min)."""
    now = now or utcnow()
    return (
        entry.visit.officer_id == actor_id
        and entry.withdrawn_at is None
        and now - entry.created_at <= EDIT_WINDOW
    )


def correct_violation(
    actor_id: int,
    violation: Violation,
    category: str | None,
    action: str | None,
    people_count=1,
    fine_amount=None,
    notes: str | None = None,
    now: datetime | None = None,
) -> Violation:
    """Correct a violation within 15 minutes of recording it; the change is audited."""
    now = now or utcnow()
    _check_editable(violation, actor_id, now)
    category_row = _category(category)
    action_row = _action(action)
    count = parse_count(people_count, "people_count", 1, _("Jumlah orang"))
    fine = _fine(action_row, fine_amount)
    note_text = _text(notes, 2000, "notes", _("Catatan"))
    before = _snapshot(violation)
    violation.category = category_row
    violation.action = action_row
    violation.people_count = count
    violation.fine_amount = fine
    violation.notes = note_text
    violation.updated_at = now
    record(actor_id, "correct", "violation", violation.id, before, _snapshot(violation))
    db.session.flush()
    return violation


def withdraw_violation(
    actor_id: int, violation: Violation, reason: str | None = None, now: datetime | None = None
) -> Violation:
    """Withdraw a violation within 15 minutes (kept, marked withdrawn, audited)."""
    now = now or utcnow()
    _check_editable(violation, actor_id, now)
    violation.withdrawn_at = now
    violation.withdrawn_reason = _text(reason, 200, "reason", _("Alasan"))
    record(
        actor_id,
        "withdraw",
        "violation",
        violation.id,
        {"withdrawn_at": None},
        {"withdrawn_at": now.isoformat(), "reason": violation.withdrawn_reason},
    )
    db.session.flush()
    return violation


# Crowd counts ---------------------------------------------------------------------------


def level_for(headcount: int, capacity: int) -> str:
    """The crowd level with the configured thresholds."""
    config = current_app.config
    return crowd_level(
        headcount, capacity, config["CROWD_BUSY_PERCENT"], config["CROWD_OVER_PERCENT"]
    )


def log_crowd_count(
    officer_id: int,
    visit_uuid: str,
    uuid: str | None,
    headcount,
    gps: Gps | None = None,
    recorded_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[CrowdCount, bool]:
    """Record a headcount in a visit with its level; returns (count, created)."""
    now = now or utcnow()
    client_uuid = _uuid(uuid)
    existing = _existing(CrowdCount, client_uuid)
    if existing is not None:
        _own(existing.visit, officer_id)
        return existing, False
    recorded_at = _when(recorded_at, now)
    visit = _writable_visit(officer_id, visit_uuid, recorded_at)
    count = parse_count(headcount, "headcount", 0, _("Jumlah pengunjung"))
    fix = _fix(visit.zone, gps or Gps(error="unavailable"))
    crowd = CrowdCount(
        uuid=client_uuid,
        visit_id=visit.id,
        zone_id=visit.zone_id,
        recorded_at=recorded_at,
        headcount=count,
        level=level_for(count, visit.zone.capacity),
        **fix,
    )
    return _insert_once(CrowdCount, crowd)


def correct_crowd_count(
    actor_id: int, crowd: CrowdCount, headcount, now: datetime | None = None
) -> CrowdCount:
    """Correct a headcount within 15 minutes; the level follows and the change is audited."""
    now = now or utcnow()
    _check_editable(crowd, actor_id, now)
    count = parse_count(headcount, "headcount", 0, _("Jumlah pengunjung"))
    before = {"headcount": crowd.headcount, "level": crowd.level}
    crowd.headcount = count
    crowd.level = level_for(count, crowd.zone.capacity)
    crowd.updated_at = now
    record(
        actor_id,
        "correct",
        "crowd_count",
        crowd.id,
        before,
        {"headcount": crowd.headcount, "level": crowd.level},
    )
    db.session.flush()
    return crowd


def withdraw_crowd_count(
    actor_id: int, crowd: CrowdCount, now: datetime | None = None, reason: str | None = None
):
    """Withdraw a headcount within 15 minutes (kept, marked withdrawn; the reason audited)."""
    now = now or utcnow()
    _check_editable(crowd, actor_id, now)
    why = _text(reason, 200, "reason", _("Alasan"))
    crowd.withdrawn_at = now
    record(
        actor_id,
        "withdraw",
        "crowd_count",
        crowd.id,
        {"withdrawn_at": None},
        {"withdrawn_at": now.isoformat(), "reason": why},
    )
    db.session.flush()
    return crowd


# The visit's timeline -------------------------------------------------------------------


@dataclass
class TimelineEntry:
    kind: str  # "violation" | "crowd"
    entry: Violation | CrowdCount
    editable: bool

    @property
    def recorded_at(self) -> datetime:
        return self.entry.recorded_at


def timeline_entry(
    kind: str, entry: Violation | CrowdCount, viewer_id: int, now: datetime | None = None
) -> TimelineEntry:
    """One entry as the timeline shows it (the answer to a new entry carries only that)."""
    return TimelineEntry(kind, entry, is_editable(entry, viewer_id, now))


def timeline(visit: Visit, viewer_id: int, now: datetime | None = None) -> list[TimelineEntry]:
    """A visit's violations and crowd counts, newest first, with what the viewer may change."""
    now = now or utcnow()
    violations = db.session.scalars(
        sa.select(Violation)
        .options(joinedload(Violation.category), joinedload(Violation.action))
        .where(Violation.visit_id == visit.id)
    ).all()
    counts = db.session.scalars(sa.select(CrowdCount).where(CrowdCount.visit_id == visit.id)).all()
    entries = [TimelineEntry("violation", v, is_editable(v, viewer_id, now)) for v in violations]
    entries += [TimelineEntry("crowd", c, is_editable(c, viewer_id, now)) for c in counts]
    entries.sort(key=lambda e: (e.recorded_at, e.entry.id), reverse=True)
    return entries
