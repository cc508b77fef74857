"""Public complaints (aduan warga): filing, tracking, dispatch, the officer's answer, reports.

Plain values in, plain values out: the public form, the dispatch board, the officer's
phone and the sync API call the same functions. Functions add and flush; the caller
commits once. Bad input raises ValidationError (a message in Bahasa Indonesia).
"""

from __future__ import annotations

import io
import re
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol import geofence
from patrol.extensions import db
from patrol.inputs.complaints import ComplaintForm
from patrol.inputs.field import ComplaintAcceptRecord, ComplaintCloseRecord, GpsFix
from patrol.models import (
    Assignment,
    Complaint,
    CrowdCount,
    User,
    Violation,
    Visit,
    Zone,
)
from patrol.rules.timeutil import WIB, utcnow
from patrol.services import photos, visits
from patrol.services.audit import record
from patrol.services.errors import ValidationError

# What residents can report: (code, label). Data, not logic: add or reorder here; stored
# complaints keep their code, and an unknown old code shows as itself.
CATEGORIES = (
    ("kerumunan", _l("Kerumunan")),
    ("tidak_bermasker", _l("Tidak bermasker")),
    ("pkl_di_luar_jam", _l("PKL di luar jam")),
    ("sampah", _l("Sampah")),
    ("fasilitas_rusak", _l("Fasilitas rusak")),
    ("lainnya", _l("Lainnya")),
)
RESULT_MAX = 500
REASON_MAX = 200
# No look-alike characters (0/O, 1/I/L): the code is read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31^10 ≈ 8e14: not guessable at any rate the limits allow
OPEN_STATUSES = ("received", "assigned", "accepted")
_CODE_RE = re.compile(r"^[A-Za-z0-9]{6,16}$")


def categories() -> list[tuple[str, str]]:
    """The categories a resident chooses from, in order, with their labels."""
    return [(code, str(label)) for code, label in CATEGORIES]


def category_label(code: str) -> str:
    """A category's label (an unknown old code as itself)."""
    return next((str(label) for c, label in CATEGORIES if c == code), code)


# Filing -------------------------------------------------------------------------------


def city_bounds() -> tuple[float, float, float, float]:
    """(south, west, north, east) of the city whose complaints are taken."""
    return current_app.config["COMPLAINT_CITY_BOUNDS"]


def _place(form: ComplaintForm) -> tuple[str, float, float, float | None, Zone | None]:
    """Where the complaint is: a chosen park's centre, or a GPS fix or a pin in the city."""
    source = form.place_source
    if source == "park" or (source is None and form.zone_id):
        zone = db.session.get(Zone, form.zone_id) if form.zone_id else None
        if zone is None or not zone.active:
            raise ValidationError(_("Pilih taman dari daftar."), "place")
        lat, lon = geofence.centre(zone.geometry)
        return "park", lat, lon, None, zone
    if form.lat is None or form.lon is None:
        raise ValidationError(
            _("Tentukan tempatnya: GPS ponsel, titik di peta, atau pilih taman."), "place"
        )
    south, west, north, east = city_bounds()
    if not (south <= form.lat <= north and west <= form.lon <= east):
        raise ValidationError(
            _("Tempat ini di luar wilayah kota. Aduan hanya untuk tempat di dalam kota."),
            "place",
        )
    accuracy_m = None if form.accuracy is None else min(form.accuracy, 100_000)
    return ("pin" if source == "pin" else "gps"), form.lat, form.lon, accuracy_m, None


def zone_for_place(lat: float, lon: float) -> Zone | None:
    """The active zone holding the place, else the nearest one (the visit's zone)."""
    best: tuple[float, Zone] | None = None
    for zone in db.session.scalars(sa.select(Zone).where(Zone.active.is_(True))):
        inside, edge_m = geofence.boundary_distance_m(zone.geometry, lat, lon)
        distance = 0.0 if inside else edge_m
        if best is None or distance < best[0]:
            best = (distance, zone)
    return best[1] if best else None


def check_photo_pixels(data: bytes) -> None:
    """Refuse a photo whose header claims too many pixels, before any pixel is decoded."""
    too_many = _("Foto terlalu besar ukurannya (piksel).")
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            width, height = image.size
    except Image.DecompressionBombError:
        raise ValidationError(too_many, "photo") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(_("Berkas ini bukan foto (JPEG, PNG atau WebP)."), "photo") from None
    if width * height > current_app.config["COMPLAINT_PHOTO_MAX_PIXELS"]:
        raise ValidationError(too_many, "photo")


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _short_text(value: str | None, limit: int, field_name: str, missing: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(missing, field_name)
    if len(text) > limit:
        raise ValidationError(
            _("%(label)s terlalu panjang (paling banyak %(n)d huruf).", label=label, n=limit),
            field_name,
        )
    return text


def file_complaint(
    form: ComplaintForm, photo: bytes | None = None, now: datetime | None = None
) -> tuple[Complaint, bool]:
    """File a resident's complaint (the form's values checked by ``inputs.complaints``);
    returns (complaint, created). The same form UUID again: the first complaint."""
    now = now or utcnow()
    client_uuid = form.uuid
    existing = db.session.scalar(sa.select(Complaint).where(Complaint.uuid == client_uuid))
    if existing is not None:
        return existing, False
    if form.category not in {code for code, _label in CATEGORIES}:
        raise ValidationError(_("Jenis aduan tidak dikenal."), "category")
    source, lat_v, lon_v, accuracy_m, zone = _place(form)
    reporter_phone = form.reporter_phone if form.consent else None
    if photo:
        check_photo_pixels(photo)
    zone = zone or zone_for_place(lat_v, lon_v)
    # The photo is written last, once everything else has passed.
    photo_name = photos.save_photo(photo) if photo else None
    for _attempt in range(5):
        complaint = Complaint(
            uuid=client_uuid,
            code=_new_code(),
            category=form.category,
            description=form.description,
            lat=lat_v,
            lon=lon_v,
            accuracy_m=accuracy_m,
            place_source=source,
            zone_id=zone.id if zone else None,
            photo_path=photo_name,
            reporter_phone=reporter_phone,
            reply_consent=bool(reporter_phone),
            status="received",
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(complaint)
        except IntegrityError:
            # The same UUID sent twice at once (the first wins), or a code drawn twice.
            existing = db.session.scalar(sa.select(Complaint).where(Complaint.uuid == client_uuid))
            if existing is not None:
                return existing, False
            continue
        return complaint, True
    raise RuntimeError("no free complaint code after 5 draws")


# Tracking -----------------------------------------------------------------------------


def by_code(code: str | None) -> Complaint | None:
    """The complaint with this tracking code (case and dashes ignored), or None."""
    text = re.sub(r"[\s\-]", "", code or "").upper()
    if not _CODE_RE.match(text):
        return None
    return db.session.scalar(sa.select(Complaint).where(Complaint.code == text))


def followed(complaint: Complaint) -> Complaint:
    """The complaint whose progress a merged duplicate shows (the one it was merged into)."""
    seen = {complaint.id}
    while complaint.merged_into is not None and complaint.merged_into.id not in seen:
        complaint = complaint.merged_into
        seen.add(complaint.id)
    return complaint


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    at: datetime | None
    reached: bool


def on_site(complaint: Complaint) -> bool:
    """Whether the answering officer reached the place (GPS near it, or entries logged)."""
    visit = complaint.visit
    if visit is None:
        return False
    near = current_app.config["COMPLAINT_ON_SITE_METRES"]
    if visit.start_lat is not None and visit.start_lon is not None:
        d = geofence.geodesic_m(visit.start_lat, visit.start_lon, complaint.lat, complaint.lon)
        if d <= near:
            return True
    return bool(
        db.session.scalar(sa.select(Violation.id).where(Violation.visit_id == visit.id).limit(1))
        or db.session.scalar(
            sa.select(CrowdCount.id).where(CrowdCount.visit_id == visit.id).limit(1)
        )
    )


def stages(complaint: Complaint) -> list[Stage]:
    """received → assigned → on the way / on site → done, with the time each was reached."""
    here = on_site(complaint)
    way_label = _("Petugas di lokasi") if here else _("Petugas menuju lokasi")
    return [
        Stage("received", _("Diterima"), complaint.created_at, True),
        Stage(
            "assigned", _("Petugas ditugaskan"), complaint.assigned_at, bool(complaint.assigned_at)
        ),
        Stage("on_the_way", way_label, complaint.accepted_at, bool(complaint.accepted_at)),
        Stage("done", _("Selesai"), complaint.resolved_at, complaint.status == "done"),
    ]


def outcome(complaint: Complaint) -> str:
    """The state of the complaint in one sentence for the reporter (nothing personal)."""
    if complaint.status == "rejected":
        return _("Aduan ini tidak diproses: %(reason)s", reason=complaint.reject_reason or "")
    if complaint.status == "done":
        return _("Selesai ditangani: %(result)s", result=complaint.resolution or "")
    if complaint.accepted_at:
        if on_site(complaint):
            return _("Petugas Satpol PP sudah di lokasi.")
        return _("Petugas Satpol PP sedang menuju lokasi.")
    if complaint.assigned_at:
        return _("Petugas Satpol PP sudah ditugaskan dan akan segera berangkat.")
    return _("Aduan Anda sudah kami terima dan menunggu petugas.")


# Dispatch -----------------------------------------------------------------------------


def open_complaints() -> list[Complaint]:
    """Complaints still waiting for an answer, oldest first (the dispatch board)."""
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .options(joinedload(Complaint.zone), joinedload(Complaint.assigned_officer))
            .where(Complaint.status.in_(OPEN_STATUSES))
            .order_by(Complaint.created_at)
        )
    )


def recent_closed(limit: int = 20) -> list[Complaint]:
    """The latest complaints done, rejected or merged (below the board)."""
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .options(joinedload(Complaint.zone))
            .where(Complaint.status.not_in(OPEN_STATUSES))
            .order_by(Complaint.created_at.desc())
            .limit(limit)
        )
    )


def is_late(complaint: Complaint, now: datetime) -> bool:
    """Not acknowledged (no officer's Terima) within COMPLAINT_ACK_MINUTES of its filing."""
    limit = timedelta(minutes=current_app.config["COMPLAINT_ACK_MINUTES"])
    return (
        complaint.status in ("received", "assigned")
        and complaint.accepted_at is None
        and now - complaint.created_at >= limit
    )


def late_complaints(now: datetime) -> list[Complaint]:
    """Open complaints nobody acknowledged in time (the dashboard alert)."""
    limit = timedelta(minutes=current_app.config["COMPLAINT_ACK_MINUTES"])
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .options(joinedload(Complaint.zone))
            .where(
                Complaint.status.in_(("received", "assigned")),
                Complaint.accepted_at.is_(None),
                Complaint.created_at <= now - limit,
            )
            .order_by(Complaint.created_at)
        )
    )


@dataclass
class OfficerOption:
    """An officer as the dispatcher sees them for one complaint."""

    id: int
    full_name: str
    distance_m: float | None
    position: str  # "gps" (last known fix), "zone" (the shift zone's centre), "unknown"
    activity: str  # "free", "patrol", "visit", "complaint"

    @property
    def activity_label(self) -> str:
        return {
            "complaint": _("menangani aduan lain"),
            "visit": _("sedang kunjungan"),
            "patrol": _("sedang shift"),
            "free": _("tidak ada shift"),
        }[self.activity]


# The order of activities in the ranking: free hands first, those on another complaint last.
_ACTIVITY_RANK = {"patrol": 0, "free": 1, "visit": 2, "complaint": 3}


def _last_fixes(since: datetime) -> dict[int, tuple[datetime, float, float]]:
    """Each officer's latest GPS fix since a time, from visits and their entries."""
    fixes: dict[int, tuple[datetime, float, float]] = {}

    def keep(officer_id, at, lat, lon):
        if lat is None or lon is None or at is None:
            return
        if officer_id not in fixes or at > fixes[officer_id][0]:
            fixes[officer_id] = (at, lat, lon)

    for row in db.session.execute(
        sa.select(
            Visit.officer_id,
            Visit.started_at,
            Visit.start_lat,
            Visit.start_lon,
            Visit.ended_at,
            Visit.end_lat,
            Visit.end_lon,
        ).where(Visit.started_at >= since)
    ):
        keep(row.officer_id, row.started_at, row.start_lat, row.start_lon)
        keep(row.officer_id, row.ended_at, row.end_lat, row.end_lon)
    for model in (Violation, CrowdCount):
        for row in db.session.execute(
            sa.select(Visit.officer_id, model.recorded_at, model.lat, model.lon)
            .join(Visit, Visit.id == model.visit_id)
            .where(model.recorded_at >= since, model.lat.is_not(None))
        ):
            keep(row.officer_id, row.recorded_at, row.lat, row.lon)
    return fixes


@dataclass
class FieldPicture:
    """Where the officers are and what they do now: read once, ranked for each complaint."""

    officers: list[tuple[int, str]]
    fixes: dict[int, tuple[datetime, float, float]]
    shift_centres: dict[int, tuple[float, float]]
    open_visits: set[int]
    # officer id -> ids of the complaints assigned to them and not done
    on_complaints: dict[int, set[int]]


def field_picture(now: datetime | None = None) -> FieldPicture:
    """The active officers, their last fixes, shifts, open visits and complaints (5 queries)."""
    now = now or utcnow()
    since = now - timedelta(hours=current_app.config["COMPLAINT_POSITION_HOURS"])
    officers = db.session.execute(
        sa.select(User.id, User.full_name).where(User.role == "officer", User.active.is_(True))
    ).all()
    shift_centres = {
        a.officer_id: geofence.centre(a.zone.geometry)
        for a in db.session.scalars(
            sa.select(Assignment)
            .options(joinedload(Assignment.zone))
            .where(Assignment.running_at(now))
        )
    }
    open_visits = set(
        db.session.scalars(sa.select(Visit.officer_id).where(Visit.ended_at.is_(None)))
    )
    on_complaints: dict[int, set[int]] = {}
    for officer_id, complaint_id in db.session.execute(
        sa.select(Complaint.assigned_officer_id, Complaint.id).where(
            Complaint.status.in_(("assigned", "accepted"))
        )
    ):
        on_complaints.setdefault(officer_id, set()).add(complaint_id)
    return FieldPicture(
        [(row.id, row.full_name) for row in officers],
        _last_fixes(since),
        shift_centres,
        open_visits,
        on_complaints,
    )


def rank_officers(
    complaint: Complaint, now: datetime | None = None, picture: FieldPicture | None = None
) -> list[OfficerOption]:
    """Active officers for a complaint: by what they are doing now, then by distance.

    Position: the latest GPS fix of the last hours (a visit's start or end, an entry), else
    the centre of the zone of their current shift, else unknown (ranked last).
    """
    picture = picture or field_picture(now)
    options = []
    for officer_id, full_name in picture.officers:
        distance, position = None, "unknown"
        if officer_id in picture.fixes:
            _at, lat, lon = picture.fixes[officer_id]
            distance, position = geofence.geodesic_m(lat, lon, complaint.lat, complaint.lon), "gps"
        elif officer_id in picture.shift_centres:
            lat, lon = picture.shift_centres[officer_id]
            distance, position = geofence.geodesic_m(lat, lon, complaint.lat, complaint.lon), "zone"
        if picture.on_complaints.get(officer_id, set()) - {complaint.id}:
            activity = "complaint"
        elif officer_id in picture.open_visits:
            activity = "visit"
        elif officer_id in picture.shift_centres:
            activity = "patrol"
        else:
            activity = "free"
        options.append(OfficerOption(officer_id, full_name, distance, position, activity))
    options.sort(
        key=lambda o: (
            _ACTIVITY_RANK[o.activity],
            o.distance_m is None,
            o.distance_m or 0.0,
            o.full_name,
        )
    )
    return options


def _snapshot(complaint: Complaint) -> dict:
    return {
        "status": complaint.status,
        "assigned_officer_id": complaint.assigned_officer_id,
        "merged_into_id": complaint.merged_into_id,
        "reject_reason": complaint.reject_reason,
        "resolution": complaint.resolution,
    }


def get(complaint_id: int) -> Complaint | None:
    return db.session.get(Complaint, complaint_id)


def assign(complaint: Complaint, officer_id: int | None, admin_id: int, now=None) -> Complaint:
    """Send an officer to a complaint (again, to another, until accepted); audited."""
    now = now or utcnow()
    if complaint.status not in ("received", "assigned"):
        raise ValidationError(_("Aduan ini tidak bisa ditugaskan lagi."), "officer_id")
    officer = db.session.get(User, officer_id) if isinstance(officer_id, int) else None
    if officer is None or officer.role != "officer" or not officer.active:
        raise ValidationError(_("Pilih petugas yang aktif."), "officer_id")
    before = _snapshot(complaint)
    complaint.assigned_officer_id = officer.id
    complaint.assigned_by_id = admin_id
    complaint.assigned_at = now
    complaint.status = "assigned"
    db.session.flush()
    record(admin_id, "assign", "complaint", complaint.id, before, _snapshot(complaint))
    return complaint


def reject(complaint: Complaint, admin_id: int, reason: str | None, now=None) -> Complaint:
    """Reject a complaint (spam, not for Satpol PP) with a reason the reporter reads; audited."""
    now = now or utcnow()
    if complaint.status not in OPEN_STATUSES or complaint.accepted_at is not None:
        raise ValidationError(_("Aduan yang sudah ditangani tidak bisa ditolak."), "reason")
    text = _short_text(reason, REASON_MAX, "reason", _("Tulis alasan penolakan."), _("Alasan"))
    before = _snapshot(complaint)
    complaint.status = "rejected"
    complaint.rejected_at = now
    complaint.rejected_by_id = admin_id
    complaint.reject_reason = text
    db.session.flush()
    record(admin_id, "reject", "complaint", complaint.id, before, _snapshot(complaint))
    return complaint


def is_near(a: Complaint, b: Complaint) -> bool:
    """Whether two complaints are near in place and time (duplicate candidates)."""
    config = current_app.config
    apart = abs(a.created_at - b.created_at) <= timedelta(minutes=config["COMPLAINT_MERGE_MINUTES"])
    close = geofence.geodesic_m(a.lat, a.lon, b.lat, b.lon) <= config["COMPLAINT_MERGE_METRES"]
    return apart and close


def duplicates(complaint: Complaint, candidates: list[Complaint]) -> list[Complaint]:
    """The other open complaints near this one in place and time."""
    return [
        other
        for other in candidates
        if other.id != complaint.id and other.status in OPEN_STATUSES and is_near(complaint, other)
    ]


def merge(duplicate: Complaint, primary: Complaint, admin_id: int, now=None) -> Complaint:
    """Merge a duplicate into another complaint: its tracking page follows that one; audited."""
    if duplicate.id == primary.id:
        raise ValidationError(_("Aduan tidak bisa digabung dengan dirinya sendiri."), "into")
    if duplicate.status not in ("received", "assigned") or primary.status not in OPEN_STATUSES:
        raise ValidationError(_("Hanya aduan yang masih terbuka yang bisa digabung."), "into")
    if not is_near(duplicate, primary):
        raise ValidationError(_("Kedua aduan tidak berdekatan tempat dan waktunya."), "into")
    before = _snapshot(duplicate)
    duplicate.status = "merged"
    duplicate.merged_into_id = primary.id
    db.session.flush()
    record(admin_id, "merge", "complaint", duplicate.id, before, _snapshot(duplicate))
    return duplicate


def close_without_visit(complaint: Complaint, admin_id: int, result: str | None, now=None):
    """Close a complaint answered without a visit (e.g. by another agency); audited."""
    now = now or utcnow()
    if complaint.status not in ("received", "assigned"):
        raise ValidationError(_("Aduan ini tidak bisa ditutup dari sini."), "result")
    text = _short_text(result, RESULT_MAX, "result", _("Tulis hasilnya."), _("Hasil"))
    before = _snapshot(complaint)
    complaint.status = "done"
    complaint.resolved_at = now
    complaint.resolution = text
    db.session.flush()
    record(admin_id, "close", "complaint", complaint.id, before, _snapshot(complaint))
    return complaint


# The officer's answer -----------------------------------------------------------------


def for_officer(officer_id: int) -> list[Complaint]:
    """Complaints sent to this officer and not yet done (newest assignment first)."""
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .options(joinedload(Complaint.zone), joinedload(Complaint.visit))
            .where(
                Complaint.assigned_officer_id == officer_id,
                Complaint.status.in_(("assigned", "accepted")),
            )
            .order_by(Complaint.assigned_at.desc())
        )
    )


def own(complaint_id, officer_id: int) -> Complaint:
    """A complaint assigned to this officer, or a clear message."""
    complaint = db.session.get(Complaint, complaint_id) if isinstance(complaint_id, int) else None
    if complaint is None:
        raise ValidationError(_("Aduan tidak ditemukan."), "complaint")
    if complaint.assigned_officer_id != officer_id:
        raise ValidationError(_("Aduan ini ditugaskan ke petugas lain."), "complaint")
    return complaint


def accept(
    officer_id: int,
    complaint_id,
    visit_uuid: str | None,
    gps: GpsFix,
    at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[Complaint, Visit]:
    """The officer's Terima: an unscheduled visit starts at the complaint's place.

    Sent again (same visit UUID, e.g. from the outbox), it returns the same visit.
    """
    now = now or utcnow()
    complaint = own(complaint_id, officer_id)
    if complaint.visit is not None:
        if visit_uuid and complaint.visit.uuid == str(visit_uuid).strip().lower():
            return complaint, complaint.visit
        raise ValidationError(_("Aduan ini sudah diterima."), "complaint")
    if complaint.status != "assigned":
        raise ValidationError(_("Aduan ini tidak menunggu diterima lagi."), "complaint")
    if complaint.zone_id is None:
        raise ValidationError(_("Belum ada zona untuk tempat aduan ini."), "complaint")
    visit = visits.start_visit(officer_id, complaint.zone_id, visit_uuid, gps, at, now)
    # Sent by dispatch, not by the plan: whatever shift the officer had.
    visit.unscheduled = True
    complaint.visit = visit
    complaint.accepted_at = visit.started_at
    complaint.status = "accepted"
    db.session.flush()
    return complaint, visit


def for_visit(visit_id: int) -> Complaint | None:
    """The complaint a visit answers, if any."""
    return db.session.scalar(sa.select(Complaint).where(Complaint.visit_id == visit_id))


def close_by_visit(
    officer_id: int,
    complaint_id,
    result: str | None,
    gps: GpsFix,
    end_uuid: str | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Complaint:
    """End the complaint's visit and close the complaint with a result the reporter reads."""
    now = now or utcnow()
    complaint = own(complaint_id, officer_id)
    if complaint.visit is None:
        raise ValidationError(_("Aduan ini belum diterima."), "complaint")
    if complaint.status == "done":
        if end_uuid and complaint.visit.end_uuid == str(end_uuid).strip().lower():
            return complaint
        raise ValidationError(_("Aduan ini sudah selesai."), "complaint")
    text = _short_text(
        result, RESULT_MAX, "result", _("Tulis hasil penanganan untuk pelapor."), _("Hasil")
    )
    visit = complaint.visit
    if visit.is_open:
        visits.end_visit(officer_id, visit.uuid, gps, end_uuid, at, now)
    complaint.status = "done"
    complaint.resolved_at = visit.ended_at or now
    complaint.resolution = text
    db.session.flush()
    return complaint


def end_visit(
    officer_id: int,
    visit_uuid: str,
    gps: GpsFix,
    result: str | None = None,
    end_uuid: str | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """End any visit; one answering an accepted complaint ends only with a result for the
    reporter, and closes the complaint (the plain end button, the offline screen, sync)."""
    visit = visits.visit_for(officer_id, visit_uuid)
    complaint = for_visit(visit.id)
    if complaint is None or complaint.status != "accepted":
        return visits.end_visit(officer_id, visit.uuid, gps, end_uuid, at, now)
    close_by_visit(officer_id, complaint.id, result, gps, end_uuid, at, now)
    return visit


# The offline outbox (sync API kinds complaint_accept and complaint_close) ---------------


def sync_accept(
    officer_id: int, record: ComplaintAcceptRecord, uuid: str, at: datetime, now: datetime
) -> tuple[int, bool]:
    """A Terima from the outbox (its UUID is the visit's); returns (visit id, created)."""
    complaint = own(record.complaint_id, officer_id)
    replay = complaint.visit is not None and complaint.visit.uuid == uuid
    _complaint, visit = accept(officer_id, complaint.id, uuid, record.gps, at, now)
    return visit.id, not replay


def sync_close(
    officer_id: int, record: ComplaintCloseRecord, uuid: str, at: datetime, now: datetime
) -> tuple[int, bool]:
    """A close from the outbox (its UUID ends the visit); returns (complaint id, created)."""
    complaint = own(record.complaint_id, officer_id)
    visit = complaint.visit
    replay = complaint.status == "done" and visit is not None and visit.end_uuid == uuid
    close_by_visit(officer_id, complaint.id, record.result, record.gps, uuid, at, now)
    return complaint.id, not replay


# Reports ------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil(n * fraction)
    return ordered[int(rank) - 1]


def _minutes(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1) if values else None,
        "p90": round(_percentile(values, 0.9), 1) if values else None,
    }


def _in_period(since: datetime, until: datetime, zone_id: int | None):
    query = (
        sa.select(Complaint)
        .options(joinedload(Complaint.zone))
        .where(Complaint.created_at >= since, Complaint.created_at < until)
        .order_by(Complaint.created_at)
    )
    if zone_id:
        query = query.where(Complaint.zone_id == zone_id)
    return query


def week_of(at: datetime) -> str:
    """The ISO week (WIB) of a time, e.g. 2026-W48."""
    year, week, _day = at.astimezone(WIB).isocalendar()
    return f"{year}-W{week:02d}"


def report(since: datetime, until: datetime, zone_id: int | None = None) -> dict:
    """Complaints of a period: by category, zone and week; times to acknowledge and resolve
    (minutes, median and 90th percentile); how many were closed without a visit."""
    rows = list(db.session.scalars(_in_period(since, until, zone_id)))
    by_category: dict[str, int] = {}
    by_zone: dict[str, int] = {}
    by_week: dict[str, int] = {}
    ack, resolve = [], []
    without_visit = rejected = 0
    for c in rows:
        by_category[category_label(c.category)] = by_category.get(category_label(c.category), 0) + 1
        zone = c.zone.name if c.zone else "–"
        by_zone[zone] = by_zone.get(zone, 0) + 1
        week = week_of(c.created_at)
        by_week[week] = by_week.get(week, 0) + 1
        if c.accepted_at:
            ack.append((c.accepted_at - c.created_at).total_seconds() / 60)
        if c.status == "done" and c.resolved_at:
            resolve.append((c.resolved_at - c.created_at).total_seconds() / 60)
            if c.visit_id is None:
                without_visit += 1
        if c.status == "rejected":
            rejected += 1
    return {
        "total": len(rows),
        "by_category": sorted(
            ({"label": k, "n": v} for k, v in by_category.items()), key=lambda r: -r["n"]
        ),
        "by_zone": sorted(({"name": k, "n": v} for k, v in by_zone.items()), key=lambda r: -r["n"]),
        "by_week": [{"week": k, "n": v} for k, v in sorted(by_week.items())],
        "acknowledge": _minutes(ack),
        "resolve": _minutes(resolve),
        "closed_without_visit": without_visit,
        "rejected": rejected,
    }


def table(since: datetime, until: datetime, zone_id: int | None = None):
    """One row per complaint for CSV/XLSX (times as instants: the export writes them in
    WIB); never the reporter's phone nor names."""
    header = [
        "code",
        "created_at",
        "category",
        "zone",
        "status",
        "assigned_at",
        "accepted_at",
        "resolved_at",
        "minutes_to_acknowledge",
        "minutes_to_resolve",
        "with_visit",
        "lat",
        "lon",
    ]

    def minutes(start, end):
        return "" if end is None else round((end - start).total_seconds() / 60, 1)

    def rows():
        for c in db.session.scalars(_in_period(since, until, zone_id)):
            yield [
                c.code,
                c.created_at,
                c.category,
                c.zone.name if c.zone else "",
                c.status,
                c.assigned_at,
                c.accepted_at,
                c.resolved_at,
                minutes(c.created_at, c.accepted_at),
                minutes(c.created_at, c.resolved_at) if c.status == "done" else "",
                "yes" if c.visit_id else "no",
                round(c.lat, 5),
                round(c.lon, 5),
            ]

    return header, rows()


# Privacy ------------------------------------------------------------------------------


def purge_reporter_phones(days: int, now: datetime | None = None) -> int:
    """Blank reporters' phone numbers older than N days; return how many were blanked."""
    now = now or utcnow()
    result = db.session.execute(
        sa.update(Complaint)
        .where(
            Complaint.created_at < now - timedelta(days=days), Complaint.reporter_phone.is_not(None)
        )
        .values(reporter_phone=None, purged_at=now)
    )
    return result.rowcount or 0
