"""Reference data (violation categories and actions) and Kota Malang demo data.

Both are idempotent: running them twice adds nothing the second time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from patrol.demo.seed_history import seed_crowd_history
from patrol.extensions import db
from patrol.models import (
    Assignment,
    Entrance,
    GuardPost,
    Office,
    User,
    ViolationAction,
    ViolationCategory,
    Zone,
)
from patrol.rules.timeutil import WIB
from patrol.services.people import create_user

# code, label (id), label (en)
CATEGORIES = [
    ("no_mask", "Tidak memakai masker", "No mask"),
    ("mask_incorrect", "Masker tidak benar", "Mask worn incorrectly"),
    ("no_distancing", "Tidak menjaga jarak", "No distancing"),
    ("crowding", "Berkerumun", "Crowding"),
    ("over_capacity", "Melebihi kapasitas", "Over capacity"),
    ("vendor_hours", "PKL di luar jam operasional", "Vendor outside permitted hours"),
    ("other", "Lainnya", "Other"),
]

# code, label (id), label (en), requires amount, default fine, legal basis
ACTIONS = [
    ("verbal_warning", "Teguran lisan", "Verbal warning", False, None, "Perwal Malang 30/2020"),
    (
        "written_warning",
        "Teguran tertulis",
        "Written warning",
        False,
        None,
        "Perwal Malang 30/2020",
    ),
    (
        "social_work",
        "Kerja sosial",
        "Social work",
        False,
        None,
        "Perwal Malang 30/2020 (menyapu jalan, membersihkan fasilitas umum)",
    ),
    ("fine", "Denda administratif", "Administrative fine", True, 100_000, "Perwal Malang 30/2020"),
    ("dispersal", "Pembubaran kerumunan", "Crowd dispersed", False, None, "Pergub Jatim 53/2020"),
    ("id_held", "Penahanan KTP sementara", "ID card held", False, None, "Pergub Jatim 53/2020"),
    ("other", "Lainnya", "Other", False, None, ""),
]


def ensure_reference_data() -> int:
    """Add the starting violation categories and actions that are missing; return how many."""
    added = 0
    have = set(db.session.scalars(sa.select(ViolationCategory.code)))
    for order, (code, label, label_en) in enumerate(CATEGORIES):
        if code not in have:
            db.session.add(
                ViolationCategory(code=code, label=label, label_en=label_en, sort_order=order)
            )
            added += 1
    have = set(db.session.scalars(sa.select(ViolationAction.code)))
    for order, (code, label, label_en, needs_amount, fine, basis) in enumerate(ACTIONS):
        if code not in have:
            db.session.add(
                ViolationAction(
                    code=code,
                    label=label,
                    label_en=label_en,
                    sort_order=order,
                    requires_amount=needs_amount,
                    default_fine_amount=fine,
                    legal_basis=basis,
                )
            )
            added += 1
    db.session.flush()
    return added


def circle(lat: float, lon: float, radius_m: float) -> dict:
    """A circular zone as GeoJSON: a Point with its radius in metres."""
    return {"type": "Point", "coordinates": [lon, lat], "properties": {"radius_m": radius_m}}


# name, kind, kecamatan, lat, lon, radius (m), capacity; approximate positions.
PARKS = [
    ("Alun-Alun Tugu", "alun_alun", "Klojen", -7.97705, 112.63404, 90, 400),
    ("Alun-Alun Merdeka", "alun_alun", "Klojen", -7.98262, 112.63085, 110, 800),
    ("Taman Merbabu", "taman", "Klojen", -7.97455, 112.62195, 60, 150),
    ("Hutan Kota Malabar", "hutan_kota", "Klojen", -7.96955, 112.62315, 80, 250),
    ("Taman Trunojoyo", "taman", "Klojen", -7.97690, 112.63700, 70, 300),
    ("Taman Slamet", "taman", "Klojen", -7.96520, 112.62260, 60, 150),
    ("Taman Singha Merjosari", "taman", "Lowokwaru", -7.94530, 112.60100, 70, 200),
    ("Taman Kunang-Kunang", "taman", "Lowokwaru", -7.95580, 112.62330, 60, 150),
    ("Taman Kendedes", "taman", "Blimbing", -7.92480, 112.65190, 60, 150),
]

# name, address, lat, lon, radius, capacity, opens, closes, entrances
OFFICES = [
    (
        "Balai Kota Malang",
        "Jl. Tugu No. 1, Kiduldalem, Klojen",
        -7.97690,
        112.63340,
        120,
        300,
        time(7, 30),
        time(16, 0),
        ["Pintu Utama (Jl. Tugu)", "Pintu Samping (Jl. Majapahit)"],
    ),
    (
        "Sekretariat DPRD Kota Malang",
        "Jl. Tugu No. 1A, Kiduldalem, Klojen",
        -7.97640,
        112.63480,
        80,
        150,
        time(7, 30),
        time(16, 0),
        ["Lobi Utama", "Pintu Parkir"],
    ),
    (
        "Mini Block Office",
        "Jl. Majapahit, Kiduldalem, Klojen",
        -7.97760,
        112.63290,
        80,
        200,
        time(7, 30),
        time(16, 0),
        ["Pintu Depan"],
    ),
    (
        "Perkantoran Terpadu Kota Malang",
        "Jl. Mayjen Sungkono, Arjowinangun, Kedungkandang",
        -8.03430,
        112.64900,
        200,
        500,
        time(7, 30),
        time(16, 0),
        ["Gedung A", "Gedung B"],
    ),
    (
        "Kantor Kecamatan Klojen",
        "Jl. Surabaya No. 6, Gading Kasri, Klojen",
        -7.97080,
        112.62450,
        60,
        60,
        time(7, 30),
        time(15, 30),
        ["Pintu Utama"],
    ),
    (
        "Kantor Kelurahan Kauman",
        "Jl. Kauman, Kauman, Klojen",
        -7.98200,
        112.62700,
        50,
        30,
        time(8, 0),
        time(15, 0),
        ["Pintu Utama"],
    ),
]

DEMO_USERS = [
    ("admin", "admin", "Admin Satpol PP"),
    ("petugas", "officer", "Budi Santoso"),
    ("satpam", "guard", "Siti Rahayu"),
]


def ensure_places() -> dict[str, int]:
    """Add the Malang parks, offices and their entrances that are missing; return counts."""
    added = {"zones": 0, "offices": 0, "entrances": 0}
    have = set(db.session.scalars(sa.select(Zone.name)))
    for name, kind, kecamatan, lat, lon, radius, capacity in PARKS:
        if name not in have:
            db.session.add(
                Zone(
                    name=name,
                    kind=kind,
                    kecamatan=kecamatan,
                    geometry=circle(lat, lon, radius),
                    capacity=capacity,
                )
            )
            added["zones"] += 1
    have = set(db.session.scalars(sa.select(Office.name)))
    for name, address, lat, lon, radius, capacity, opens, closes, doors in OFFICES:
        if name not in have:
            office = Office(
                name=name,
                address=address,
                lat=lat,
                lon=lon,
                radius_m=radius,
                capacity=capacity,
                opens_at=opens,
                closes_at=closes,
            )
            office.entrances.extend(Entrance(name=door) for door in doors)
            db.session.add(office)
            added["offices"] += 1
            added["entrances"] += len(doors)
    db.session.flush()
    return added


@dataclass
class SeedResult:
    created: dict[str, int]
    credentials: dict[str, str]


def demo_shift_start(now: datetime) -> datetime:
    """The start (UTC) of the 12-hour demo shift, at 07:00 or 19:00 WIB, that holds ``now``."""
    local = now.astimezone(WIB)
    day_start = datetime.combine(local.date(), time(7, 0), WIB)
    if local < day_start:
        start = day_start - timedelta(hours=12)
    elif local < day_start + timedelta(hours=12):
        start = day_start
    else:
        start = day_start + timedelta(hours=12)
    return start.astimezone(timezone.utc)


def seed_demo(password: str | None = None, now: datetime | None = None) -> SeedResult:
    """Add the Kota Malang demo: parks, offices and entrances, one user per role, today's shift."""
    created = {"users": 0, "assignments": 0}
    created["reference"] = ensure_reference_data()
    credentials: dict[str, str] = {}

    created.update(ensure_places())

    users: dict[str, User] = {}
    for username, role, full_name in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            secret = password or secrets.token_urlsafe(9)
            user = create_user(username, role, secret, full_name)
            credentials[username] = secret
            created["users"] += 1
        users[user.role] = user

    guard = users["guard"]
    balai_kota = db.session.scalar(sa.select(Office).where(Office.name == OFFICES[0][0]))
    exists = db.session.scalar(
        sa.select(GuardPost.id).where(
            GuardPost.guard_id == guard.id, GuardPost.office_id == balai_kota.id
        )
    )
    if exists is None:
        db.session.add(GuardPost(guard_id=guard.id, office_id=balai_kota.id))

    # A shift at Alun-Alun Tugu for the demo officer that covers the moment of seeding,
    # whatever the hour: the day shift (07:00-19:00 WIB) or the night shift around it.
    officer = users["officer"]
    now = now or datetime.now(timezone.utc)
    start = demo_shift_start(now)
    end = start + timedelta(hours=12)
    has_shift = db.session.scalar(
        sa.select(Assignment.id).where(
            Assignment.officer_id == officer.id,
            Assignment.starts_at < end,
            Assignment.ends_at > start,
        )
    )
    if has_shift is None:
        zone = db.session.scalar(sa.select(Zone).where(Zone.name == PARKS[0][0]))
        db.session.add(
            Assignment(
                officer_id=officer.id,
                zone_id=zone.id,
                starts_at=start,
                ends_at=end,
                created_by_id=users["admin"].id,
            )
        )
        created["assignments"] += 1
    # Six weeks of crowd counts behind the parks' busy-hour forecasts on /taman.
    created["crowd_counts"] = seed_crowd_history(officer.id, now)
    db.session.flush()
    return SeedResult(created=created, credentials=credentials)


def database_is_empty() -> bool:
    """True when no user exists yet (a fresh install)."""
    return db.session.scalar(sa.select(sa.func.count(User.id))) == 0
