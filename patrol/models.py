"""The domain model (DESIGN.md's nouns) in SQLAlchemy 2.0 typed style.

Times are timezone-aware UTC (``UTCDateTime`` keeps them aware on SQLite too). Records
created in the field carry a client-generated UUID under a unique constraint, so that a
retried submission can never create a second row.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from patrol.extensions import db
from patrol.rules.timeutil import utcnow

ROLES = ("admin", "officer", "guard")
ZONE_KINDS = ("taman", "alun_alun", "hutan_kota", "lapangan", "other")
# Geofence outcome of a GPS fix; "no_gps" when the phone gave none (with a reason).
GEOFENCE_STATUSES = ("inside", "outside", "uncertain", "no_gps")
# A supervisor's decision on a violation (NULL while it waits in the review queue).
REVIEW_OUTCOMES = ("approved", "returned")
CROWD_LEVELS = ("quiet", "busy", "over")
SCREENING_COLOURS = ("green", "yellow", "red")
# "waiting": at the door, not counted inside until a guard admits or turns them away
# (office full, or a red pass under the office's rules).
CHECKIN_STATUSES = ("admitted", "waiting", "turned_away")
CHECKOUT_BY = ("self", "guard", "auto")
VISIT_CLOSED_BY = ("officer", "system")


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


# Checkpoint short codes (issue 16): typed by an officer whose camera fails, so no
# look-alike characters (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V) and no case.
SHORT_CODE_ALPHABET = "ACEFHJKMNPRTWXY34679"
SHORT_CODE_LENGTH = 6


def new_short_code() -> str:
    """A random checkpoint short code, e.g. ``K7MXA3`` (20^6 = 64 million of them)."""
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class GpsFix:
    """Columns shared by every record stamped with GPS in the field (a mixin)."""

    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    geofence: Mapped[str] = mapped_column(sa.String(10), default="no_gps")
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    # Why there is no fix ("denied", "timeout", ...), or a warning such as "suspicious".
    gps_note: Mapped[str | None] = mapped_column(sa.String(200))


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(10), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login's alternative id: replacing it ends every other session of the user.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_token = new_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this user."""
        self.session_token = new_token()

    # The login (patrol.services.login_sessions) this object was loaded or logged in under;
    # not a column. Its token is what the session and remember-me cookies carry.
    login_token = None

    def get_id(self) -> str:
        return self.login_token or ""

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class LoginSession(db.Model):
    """One login on one device, ended on the server by logging out or after one shift.

    The session and remember-me cookies carry a random token naming this row (only its
    hash is stored), so a copied cookie dies with the login it came from.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's session_token at login: replacing it (new password, "log out on all
    # devices", deactivation) ends every login of the user at once.
    user_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Zone(db.Model):
    __tablename__ = "zones"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ZONE_KINDS), name="kind"),
        sa.CheckConstraint("capacity >= 0", name="capacity_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="taman")
    kecamatan: Mapped[str] = mapped_column(sa.String(80), default="")
    # GeoJSON: a Polygon, or a Point with properties.radius_m (a circle).
    geometry: Mapped[dict] = mapped_column(sa.JSON)
    capacity: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    checkpoints: Mapped[list[Checkpoint]] = relationship(back_populates="zone")


# No shift is longer (services/shifts.py refuses longer ones). Queries for the shifts of a
# period bound ``starts_at`` from below with it, so that an index on ``starts_at`` finds
# them without reading every earlier shift (Assignment.overlapping).
MAX_SHIFT_HOURS = 16
MAX_SHIFT = timedelta(hours=MAX_SHIFT_HOURS)


class Assignment(db.Model):
    """An officer booked into a zone for one shift window."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="window_positive"),
        sa.Index("ix_assignments_officer_window", "officer_id", "starts_at", "ends_at"),
        sa.Index("ix_assignments_zone_window", "zone_id", "starts_at"),
        # Reports over a date range across all officers and zones.
        sa.Index("ix_assignments_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    zone: Mapped[Zone] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @classmethod
    def overlapping(cls, since: datetime, until: datetime) -> sa.ColumnElement[bool]:
        """SQL: the shift overlaps [since, until). Since no shift lasts over MAX_SHIFT,
        one that ends after ``since`` started after ``since - MAX_SHIFT``: saying so lets the
        indexes on ``starts_at`` read only the period's shifts, not every one before it
        (4 ms -> 0.4 ms for a week at a year's 8 000 shifts, SQLite)."""
        return sa.and_(
            cls.starts_at < until, cls.starts_at > since - MAX_SHIFT, cls.ends_at > since
        )

    @classmethod
    def running_at(cls, at: datetime) -> sa.ColumnElement[bool]:
        """SQL: the shift is on at ``at`` (started, not ended); bounded as ``overlapping``."""
        return sa.and_(cls.starts_at <= at, cls.starts_at > at - MAX_SHIFT, cls.ends_at > at)


class Visit(db.Model):
    """An officer's presence in a zone, with GPS and geofence verdict at start and end."""

    __tablename__ = "visits"
    __table_args__ = (
        sa.CheckConstraint(_in("start_geofence", GEOFENCE_STATUSES), name="start_geofence"),
        sa.CheckConstraint(
            "end_geofence IS NULL OR " + _in("end_geofence", GEOFENCE_STATUSES),
            name="end_geofence",
        ),
        sa.CheckConstraint(
            "closed_by IS NULL OR " + _in("closed_by", VISIT_CLOSED_BY), name="closed_by"
        ),
        sa.Index("ix_visits_zone_started", "zone_id", "started_at"),
        sa.Index("ix_visits_officer_started", "officer_id", "started_at"),
        # The visits still open (the dashboard's officers in the field): migration 0024.
        sa.Index(
            "ix_visits_open",
            "officer_id",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index("ix_visits_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"))
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the server received the start (differs from started_at for offline entries).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(sa.String(10))
    end_uuid: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    # Started outside any shift of the officer in that zone (di luar jadwal), e.g. when
    # sent to a public complaint; set once at the start (migration 0022).
    # A database default only: seed-load's bulk inserts at an older schema (migration
    # tests) name no such column; the services set it on every visit they start.
    unscheduled: Mapped[bool] = mapped_column(server_default=sa.false())

    start_lat: Mapped[float | None] = mapped_column(sa.Float)
    start_lon: Mapped[float | None] = mapped_column(sa.Float)
    start_accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    start_geofence: Mapped[str] = mapped_column(sa.String(10), default="no_gps")
    start_distance_m: Mapped[float | None] = mapped_column(sa.Float)
    start_gps_note: Mapped[str | None] = mapped_column(sa.String(200))
    end_lat: Mapped[float | None] = mapped_column(sa.Float)
    end_lon: Mapped[float | None] = mapped_column(sa.Float)
    end_accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    end_geofence: Mapped[str | None] = mapped_column(sa.String(10))
    end_distance_m: Mapped[float | None] = mapped_column(sa.Float)
    end_gps_note: Mapped[str | None] = mapped_column(sa.String(200))

    officer: Mapped[User] = relationship()
    zone: Mapped[Zone] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    violations: Mapped[list[Violation]] = relationship(
        back_populates="visit", order_by="Violation.recorded_at"
    )
    crowd_counts: Mapped[list[CrowdCount]] = relationship(
        back_populates="visit", order_by="CrowdCount.recorded_at"
    )

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class ViolationCategory(db.Model):
    """A prokes violation category; data an admin can change, with a stable code."""

    __tablename__ = "violation_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    label_en: Mapped[str] = mapped_column(sa.String(120), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class ViolationAction(db.Model):
    """An action taken on a violation (teguran, denda, ...), with its default fine."""

    __tablename__ = "violation_actions"
    __table_args__ = (
        sa.CheckConstraint(
            "default_fine_amount IS NULL OR default_fine_amount >= 0", name="fine_non_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    label_en: Mapped[str] = mapped_column(sa.String(120), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # True for a fine: the form then asks for the amount (default below, in rupiah).
    requires_amount: Mapped[bool] = mapped_column(default=False)
    default_fine_amount: Mapped[int | None] = mapped_column()
    # Which local rule this action rests on (Perwal 30/2020, Pergub Jatim 53/2020).
    legal_basis: Mapped[str] = mapped_column(sa.String(120), default="")


class Violation(GpsFix, db.Model):
    """A protocol violation seen during a visit, and the action taken."""

    __tablename__ = "violations"
    __table_args__ = (
        sa.CheckConstraint(_in("geofence", GEOFENCE_STATUSES), name="geofence"),
        sa.CheckConstraint("people_count BETWEEN 1 AND 10000", name="people_count_range"),
        sa.CheckConstraint("fine_amount IS NULL OR fine_amount >= 0", name="fine_non_negative"),
        sa.Index("ix_violations_recorded", "recorded_at"),
        sa.Index("ix_violations_visit_recorded", "visit_id", "recorded_at"),
        sa.CheckConstraint(
            "review_outcome IS NULL OR " + _in("review_outcome", REVIEW_OUTCOMES),
            name="review_outcome",
        ),
        # The review queue: what is still to decide, newest first.
        sa.Index(
            "ix_violations_review_queue",
            "recorded_at",
            postgresql_where=sa.text("reviewed_at IS NULL AND withdrawn_at IS NULL"),
            sqlite_where=sa.text("reviewed_at IS NULL AND withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("violation_categories.id"), index=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("violation_actions.id"), index=True)
    people_count: Mapped[int] = mapped_column(default=1)
    fine_amount: Mapped[int | None] = mapped_column()
    offender_name: Mapped[str | None] = mapped_column(sa.String(120))
    # Keyed hash (HMAC) of the offender's NIK and its last four digits; never the NIK itself.
    nik_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    nik_last4: Mapped[str | None] = mapped_column(sa.String(4))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    photo_path: Mapped[str | None] = mapped_column(sa.String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # An admin's review at headquarters (reports list what is still unreviewed).
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    review_outcome: Mapped[str | None] = mapped_column(sa.String(10))

    visit: Mapped[Visit] = relationship(back_populates="violations")
    category: Mapped[ViolationCategory] = relationship()
    action: Mapped[ViolationAction] = relationship()


class CrowdCount(GpsFix, db.Model):
    """A headcount in a zone during a visit, with its level against the zone's capacity."""

    __tablename__ = "crowd_counts"
    __table_args__ = (
        sa.CheckConstraint(_in("geofence", GEOFENCE_STATUSES), name="geofence"),
        sa.CheckConstraint("headcount BETWEEN 0 AND 10000", name="headcount_range"),
        sa.CheckConstraint(_in("level", CROWD_LEVELS), name="level"),
        sa.Index("ix_crowd_counts_zone_recorded", "zone_id", "recorded_at"),
        # The crowd report over a date range reads only this index (SQLite: a covering
        # index; PostgreSQL: an index-only scan once vacuumed), not the rows.
        sa.Index(
            "ix_crowd_counts_recorded_cover", "recorded_at", "zone_id", "headcount", "withdrawn_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    # Copied from the visit so that "latest count per park" needs no join.
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # active_history: a change knows the value it replaced, even on an expired object,
    # so that the hourly summary (services.crowd_hours) moves by the exact difference.
    headcount: Mapped[int] = mapped_column(active_history=True)
    level: Mapped[str] = mapped_column(sa.String(10))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), active_history=True)

    visit: Mapped[Visit] = relationship(back_populates="crowd_counts")
    zone: Mapped[Zone] = relationship()


class Checkpoint(db.Model):
    """A point in a zone with a QR sticker or NFC tag carrying an unguessable token."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    # Printed under the QR code for typing (patrol.services.checkpoints.normalise_code).
    short_code: Mapped[str] = mapped_column(sa.String(8), unique=True, default=new_short_code)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    zone: Mapped[Zone] = relationship(back_populates="checkpoints")


class CheckpointScan(GpsFix, db.Model):
    """An officer scanning a checkpoint during a visit."""

    __tablename__ = "checkpoint_scans"
    __table_args__ = (
        sa.CheckConstraint(_in("geofence", GEOFENCE_STATUSES), name="geofence"),
        sa.Index("ix_checkpoint_scans_checkpoint_recorded", "checkpoint_id", "recorded_at"),
        # A period's scans of every checkpoint (missed checkpoints, rounds): migration 0024.
        sa.Index("ix_checkpoint_scans_recorded", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship()
    checkpoint: Mapped[Checkpoint] = relationship()


class PatrolRound(db.Model):
    """A zone's round: a set of its checkpoints, expected every N minutes during a shift."""

    __tablename__ = "patrol_rounds"
    __table_args__ = (
        sa.CheckConstraint("interval_minutes BETWEEN 5 AND 1440", name="interval_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Ordered: the checkpoints must be scanned in their position order to count as done.
    ordered: Mapped[bool] = mapped_column(default=False)
    interval_minutes: Mapped[int] = mapped_column(default=60)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    zone: Mapped[Zone] = relationship()
    stops: Mapped[list[RoundStop]] = relationship(
        back_populates="round", order_by="RoundStop.position", cascade="all, delete-orphan"
    )


class RoundStop(db.Model):
    """One checkpoint of a round, at its position in the round's order."""

    __tablename__ = "round_stops"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "checkpoint_id", name="uq_round_stops_checkpoint"),
        sa.UniqueConstraint("round_id", "position", name="uq_round_stops_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("patrol_rounds.id"))
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"), index=True)
    position: Mapped[int] = mapped_column()

    round: Mapped[PatrolRound] = relationship(back_populates="stops")
    checkpoint: Mapped[Checkpoint] = relationship()


class MissedCheckpointClosure(db.Model):
    """An admin closing a missed-checkpoint alert, with the required comment.

    Misses themselves are computed from shifts, rounds and scans (a late offline scan
    can still erase one); only the human act of closing is stored.
    """

    __tablename__ = "missed_checkpoint_closures"
    __table_args__ = (
        sa.UniqueConstraint(
            "assignment_id", "checkpoint_id", "due_at", name="uq_missed_checkpoint_closures_miss"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"))
    # The end of the interval in which the checkpoint was not scanned.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(sa.Text)
    closed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    closed_by: Mapped[User] = relationship()


class Office(db.Model):
    """A government building whose entrances carry QR check-in posters."""

    __tablename__ = "offices"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        sa.CheckConstraint("radius_m > 0", name="radius_positive"),
    )
    # The check-in rules' database defaults are read when used, not returned by INSERT.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    address: Mapped[str] = mapped_column(sa.String(250), default="")
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    radius_m: Mapped[float] = mapped_column(sa.Float, default=100.0)
    capacity: Mapped[int] = mapped_column(default=0)
    # Opening hours in WIB (local wall-clock times).
    opens_at: Mapped[time] = mapped_column(sa.Time, default=time(7, 30))
    closes_at: Mapped[time] = mapped_column(sa.Time, default=time(16, 0))
    active: Mapped[bool] = mapped_column(default=True)
    # Check-in rules an office may set (migration 0018): at or over capacity a visitor
    # waits at the door until a guard admits them; a red pass waits for the guard too
    # (never counted inside); visitors may check in outside opening hours. Defaults in
    # the database only and loaded with the rest only where asked (CHECKIN_RULES), so that
    # code writing offices on a database before 0018 (seed-load at 0011) still works.
    wait_when_full: Mapped[bool] = mapped_column(
        server_default=sa.true(), deferred=True, deferred_group="checkin_rules"
    )
    hold_red: Mapped[bool] = mapped_column(
        server_default=sa.true(), deferred=True, deferred_group="checkin_rules"
    )
    after_hours_checkin: Mapped[bool] = mapped_column(
        server_default=sa.false(), deferred=True, deferred_group="checkin_rules"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entrances: Mapped[list[Entrance]] = relationship(
        back_populates="office", order_by="Entrance.id"
    )


class Entrance(db.Model):
    """One door of an office; its token is printed in the QR poster."""

    __tablename__ = "entrances"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    token_issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A revoked entrance's posters stop working at once (until a new token is issued).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Screen mode: a guard's screen shows a QR code that changes every 30 seconds.
    screen_mode: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    office: Mapped[Office] = relationship(back_populates="entrances")


class GuardPost(db.Model):
    """A guard placed at an office."""

    __tablename__ = "guard_posts"
    __table_args__ = (sa.UniqueConstraint("guard_id", "office_id", name="uq_guard_posts_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    guard: Mapped[User] = relationship()
    office: Mapped[Office] = relationship()


# "Inside now": admitted and not checked out. Written out literally (not as a bound
# parameter) so that both databases match the partial index ix_checkins_inside.
INSIDE_SQL = "checked_out_at IS NULL AND status = 'admitted'"


class CheckIn(db.Model):
    """A visitor's or staff member's stay in an office, from check-in to check-out."""

    __tablename__ = "checkins"
    __table_args__ = (
        sa.CheckConstraint(_in("screening", SCREENING_COLOURS), name="screening"),
        sa.CheckConstraint(_in("status", CHECKIN_STATUSES), name="status"),
        sa.CheckConstraint(
            "checkout_by IS NULL OR " + _in("checkout_by", CHECKOUT_BY), name="checkout_by"
        ),
        sa.CheckConstraint("vaccine_doses BETWEEN 0 AND 10", name="vaccine_doses_range"),
        sa.CheckConstraint(
            "checked_out_at IS NULL OR checked_out_at >= checked_in_at", name="out_after_in"
        ),
        # "Who is inside now" and hourly reports per office.
        sa.Index("ix_checkins_office_in", "office_id", "checked_in_at"),
        sa.Index("ix_checkins_office_out", "office_id", "checked_out_at"),
        # City-wide reports over a date range (all offices).
        sa.Index("ix_checkins_in", "checked_in_at"),
        # Who is inside now (board, occupancy, dashboard, closing time): only those rows,
        # so it stays as small as the offices are full, however many check-ins a year
        # adds. Queries match it through ``inside_now_terms`` (SQLite uses a partial
        # index only when the query spells its condition with the same literal).
        sa.Index(
            "ix_checkins_inside",
            "office_id",
            "checked_in_at",
            sqlite_where=sa.text(INSIDE_SQL),
            postgresql_where=sa.text(INSIDE_SQL),
        ),
    )

    # On PostgreSQL the table is partitioned by month of checked_in_at (migration 0012)
    # and its primary key is (id, checked_in_at); id alone stays unique (one sequence).
    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique through checkin_keys (a partitioned table cannot enforce it): see CheckinKey.
    uuid: Mapped[str] = mapped_column(sa.String(36))
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    entrance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entrances.id"))
    # Staff who checked in with their own account; visitors have none.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    visitor_name: Mapped[str | None] = mapped_column(sa.String(120))
    visitor_phone: Mapped[str | None] = mapped_column(sa.String(20))
    purpose: Mapped[str | None] = mapped_column(sa.String(200))
    # Blanked (None) with the name when personal data is purged.
    has_symptoms: Mapped[bool | None] = mapped_column(default=False)
    vaccine_doses: Mapped[int | None] = mapped_column(default=0)
    screening: Mapped[str] = mapped_column(sa.String(10), default="green")
    status: Mapped[str] = mapped_column(sa.String(12), default="admitted")
    turned_away_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # The guard who turned the visitor away or checked them in by hand.
    guard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkout_by: Mapped[str | None] = mapped_column(sa.String(6))
    checkout_guard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A short code shown on the pass for the guard, and the secret kept on the visitor's phone.
    short_code: Mapped[str] = mapped_column(sa.String(8))
    checkout_secret: Mapped[str] = mapped_column(sa.String(64), default=new_token)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    remote: Mapped[bool] = mapped_column(default=False)
    # Set when purge-personal-data removed the name and phone.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office] = relationship()
    entrance: Mapped[Entrance | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    guard: Mapped[User | None] = relationship(foreign_keys=[guard_id])


class CheckinKey(db.Model):
    """The unique client UUID and check-out secret of a check-in, in a table of their own.

    PostgreSQL enforces a unique index on a partitioned table only when it holds the
    partition key, so the check-in's two unique keys live here (unpartitioned, on both
    databases), written in the same transaction as the check-in. Look-ups by UUID or
    secret go through this table to (checkin_id, checked_in_at): one partition's key.
    No foreign key: old months are detached and archived with their keys' rows deleted.
    """

    __tablename__ = "checkin_keys"

    uuid: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    checkout_secret: Mapped[str] = mapped_column(sa.String(64), unique=True)
    checkin_id: Mapped[int]
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckinHour(db.Model):
    """Admitted check-ins per office and UTC hour, and the most people inside at a check-in
    of that hour: kept at write time (services.occupancy_hours) for the check-in report."""

    __tablename__ = "checkin_hours"
    # City-wide reports over a date range (all offices); the key serves one office's range.
    __table_args__ = (sa.Index("ix_checkin_hours_hour", "hour_start"),)

    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), primary_key=True)
    # The UTC hour (minutes zero); WIB is a whole 7 hours ahead, so it is a WIB hour too.
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    checkins: Mapped[int] = mapped_column(default=0)
    peak_inside: Mapped[int] = mapped_column(default=0)


class CrowdHour(db.Model):
    """Crowd counts per zone and WIB hour (count and headcount sum), kept at write time
    (services.crowd_hours) so that forecasts read hours, not years of counts."""

    __tablename__ = "crowd_hours"
    __table_args__ = (
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name="hour_range"),
        sa.CheckConstraint("counts >= 0", name="counts_positive"),
        # The forecast's fallback reads every park's recent hours.
        sa.Index("ix_crowd_hours_day", "day"),
    )

    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"), primary_key=True)
    # The WIB calendar day and hour (0-23) of the counts: the forecast thinks in local time.
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    hour: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    counts: Mapped[int] = mapped_column(default=0)
    headcount_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SosAlert(db.Model):
    """An officer's emergency call with GPS; it stays on the dashboard until acknowledged."""

    __tablename__ = "sos_alerts"
    __table_args__ = (sa.Index("ix_sos_alerts_open", "acknowledged_at", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.String(200))

    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])


# Public complaints (aduan warga) -------------------------------------------------------
COMPLAINT_STATUSES = ("received", "assigned", "accepted", "done", "rejected", "merged")
COMPLAINT_PLACE_SOURCES = ("gps", "pin", "park")


class Complaint(db.Model):
    """A resident's complaint from a phone, dispatched to an officer and closed by a visit.

    The category is a code from the list in services/complaints.py (data that may change,
    so no check constraint). The reporter's phone is for a WhatsApp reply only: admins see
    it, the purge blanks it with the retention period.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        sa.CheckConstraint(_in("status", COMPLAINT_STATUSES), name="status"),
        sa.CheckConstraint(_in("place_source", COMPLAINT_PLACE_SOURCES), name="place_source"),
        sa.CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="place"),
        # The dispatch board (open complaints, oldest first) and reports over a period.
        sa.Index("ix_complaints_status_created", "status", "created_at"),
        sa.Index("ix_complaints_created", "created_at"),
        sa.Index("ix_complaints_officer_status", "assigned_officer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Chosen by the phone: a resent form never files a second complaint.
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    # The unguessable short code of the tracking page (/aduan/<code>).
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    category: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.String(500))
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    place_source: Mapped[str] = mapped_column(sa.String(5))
    # The park chosen, else the zone holding (or nearest to) the place: the visit's zone.
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    photo_path: Mapped[str | None] = mapped_column(sa.String(200))
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(20))
    reply_consent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default="received")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The officer's "Terima": acknowledgement, and the unscheduled visit it started.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"), unique=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What was done, in a sentence the reporter reads on the tracking page.
    resolution: Mapped[str | None] = mapped_column(sa.String(500))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(sa.String(200))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"))
    # Set when purge-personal-data removed the reporter's phone.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    zone: Mapped[Zone | None] = relationship()
    assigned_officer: Mapped[User | None] = relationship(foreign_keys=[assigned_officer_id])
    visit: Mapped[Visit | None] = relationship()
    merged_into: Mapped[Complaint | None] = relationship(remote_side=[id])


class AuditEvent(db.Model):
    """Who changed or withdrew what, when, with the values before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str | None] = mapped_column(sa.String(40))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()


def inside_now_terms() -> tuple:
    """The WHERE terms of "inside now" (see INSIDE_SQL), for the queries over check-ins."""
    return (CheckIn.checked_out_at.is_(None), CheckIn.status == sa.literal_column("'admitted'"))


# Export jobs (issue 19) ---------------------------------------------------------------

EXPORT_STATUSES = ("queued", "running", "done", "failed")


class ExportJob(db.Model):
    """A report export run off the request path: its progress, then its file until it expires.

    The state lives here, not in a worker's memory, so every app instance shows the same
    progress; the file sits in ``EXPORT_FOLDER`` under ``token`` (services.export_jobs).
    """

    __tablename__ = "export_jobs"
    __table_args__ = (
        sa.CheckConstraint(_in("status", EXPORT_STATUSES), name="status"),
        sa.CheckConstraint("rows_done >= 0", name="rows_done"),
        sa.Index("ix_export_jobs_user_created", "user_id", "created_at"),
        sa.Index("ix_export_jobs_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the file on shared storage: unguessable, so a file name says nothing.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The report (its URL name) and format (csv, xlsx, geojson), and its filters as the
    # query-string arguments they came from.
    name: Mapped[str] = mapped_column(sa.String(40))
    fmt: Mapped[str] = mapped_column(sa.String(10))
    params: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_expected: Mapped[int | None] = mapped_column()
    download_name: Mapped[str] = mapped_column(sa.String(200))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Written with every progress step: a running job whose heartbeat stops was cut off.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
