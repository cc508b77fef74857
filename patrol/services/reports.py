"""Report queries: every figure is aggregated in SQL, so a page costs a fixed few queries.

Dates in filters are WIB calendar days; the database stores UTC. Buckets (day, hour) are
computed in SQL by ``bucket``, which knows how SQLite and PostgreSQL each spell it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.reports import ReportFiltersInput, ReviewFiltersInput
from patrol.models import (
    Assignment,
    CheckIn,
    CheckinHour,
    CrowdCount,
    Office,
    User,
    Violation,
    ViolationAction,
    ViolationCategory,
    Visit,
    Zone,
)
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import (
    LOCAL_TIMEZONE,
    WIB_OFFSET_HOURS,
    wib_day_bounds,
    wib_today,
)
from patrol.services import audit, coverage, late_entries
from patrol.services.errors import ValidationError

MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Filters:
    """A report's filters: WIB days from ``start`` to ``end`` inclusive, zone, office."""

    start: date
    end: date
    zone_id: int | None = None
    office_id: int | None = None

    @property
    def since(self) -> datetime:
        return wib_day_bounds(self.start)[0]

    @property
    def until(self) -> datetime:
        return wib_day_bounds(self.end)[1]

    def as_args(self) -> dict:
        """The filters as query-string arguments (for export links)."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.zone_id:
            args["zone_id"] = self.zone_id
        if self.office_id:
            args["office_id"] = self.office_id
        return args


def parse_filters(args, today: date | None = None) -> Filters:
    """Filters from a query string; the last 7 days when no dates are given."""
    typed = parse(ReportFiltersInput, args)
    today = today or wib_today()
    end = typed.end or today
    start = typed.start or end - timedelta(days=6)
    if start > end:
        raise ValidationError(_("Tanggal mulai harus sebelum tanggal akhir."), "start")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError(_("Rentang paling lama satu tahun."), "start")
    return Filters(start=start, end=end, zone_id=typed.zone_id, office_id=typed.office_id)


# Dialect-aware SQL helpers ------------------------------------------------------------


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def bucket(column, unit: str, dialect: str | None = None):
    """The WIB ``day`` ('2026-11-27') or ``hour`` of day ('00'..'23') of a UTC column."""
    dialect = dialect or dialect_name()
    if dialect == "postgresql":
        fmt = {"day": "YYYY-MM-DD", "hour": "HH24"}[unit]
        local = column.op("AT TIME ZONE")(sa.literal_column(f"'{LOCAL_TIMEZONE}'"))
        return sa.func.to_char(local, fmt)
    fmt = {"day": "%Y-%m-%d", "hour": "%H"}[unit]
    return sa.func.strftime(fmt, column, f"+{WIB_OFFSET_HOURS} hours")


def seconds_between(start, end, dialect: str | None = None):
    """Seconds from ``start`` to ``end`` (two UTC columns), as a number in SQL."""
    dialect = dialect or dialect_name()
    if dialect == "postgresql":
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


# Continuous axes for the charts ----------------------------------------------------------


def daily_series(rows, start: date, end: date, key: str = "day", value: str = "n") -> list[dict]:
    """Every WIB day from ``start`` to ``end`` with its value from ``rows`` (0 when the day
    had none), so that a time chart's axis is even and an empty day shows as empty."""
    found = {}
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda name, r=row: getattr(r, name)
        found[str(get(key))] = get(value) or 0
    days = (end - start).days + 1
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        out.append({"day": day, "label": day.strftime("%d/%m"), "n": found.get(day.isoformat(), 0)})
    return out


def hourly_series(hours: dict[str, int]) -> list[dict]:
    """The 24 hours of a day (WIB) with their counts, 0 where there were none."""
    return [{"label": f"{hour:02d}", "n": hours.get(f"{hour:02d}", 0)} for hour in range(24)]


# Reference lists for the filter form ---------------------------------------------------


def filter_choices() -> dict:
    """Zones and offices for the filter drop-downs (two small queries)."""
    return {
        "zones": db.session.execute(sa.select(Zone.id, Zone.name).order_by(Zone.name)).all(),
        "offices": db.session.execute(
            sa.select(Office.id, Office.name).order_by(Office.name)
        ).all(),
    }


# Violations ------------------------------------------------------------------------------


def _violations_base(f: Filters, with_visit: bool = False):
    """Violations of the period; joined to their visit only when the zone is needed.

    Every violation has a visit, so the join never drops a row; but PostgreSQL hashes
    all the visits (of every year) to make it, which grows with the data.
    """
    query = (
        sa.select()
        .select_from(Violation)
        .where(
            Violation.recorded_at >= f.since,
            Violation.recorded_at < f.until,
            Violation.withdrawn_at.is_(None),
        )
    )
    if with_visit or f.zone_id:
        query = query.join(Visit, Visit.id == Violation.visit_id)
    if f.zone_id:
        query = query.where(Visit.zone_id == f.zone_id)
    return query


def violations_report(f: Filters) -> dict:
    """Violations by category, zone, day and action, with people counts and fines."""
    n = sa.func.count(Violation.id).label("n")
    people = sa.func.coalesce(sa.func.sum(Violation.people_count), 0).label("people")
    fines = sa.func.coalesce(sa.func.sum(Violation.fine_amount), 0).label("fines")
    base = _violations_base(f)
    by_category = db.session.execute(
        base.add_columns(ViolationCategory.label, n, people)
        .join(ViolationCategory, ViolationCategory.id == Violation.category_id)
        .group_by(ViolationCategory.id, ViolationCategory.label, ViolationCategory.sort_order)
        .order_by(ViolationCategory.sort_order)
    ).all()
    by_zone = db.session.execute(
        _violations_base(f, with_visit=True)
        .add_columns(Zone.name, n, people)
        .join(Zone, Zone.id == Visit.zone_id)
        .group_by(Zone.id, Zone.name)
        .order_by(n.desc(), Zone.name)
    ).all()
    day = bucket(Violation.recorded_at, "day").label("day")
    by_day = db.session.execute(base.add_columns(day, n).group_by(day).order_by(day)).all()
    # Entries that arrived long after they were recorded (offline or back-dated).
    late = db.session.scalar(
        base.add_columns(n).where(
            late_entries.arrived_late_clause(
                Violation.recorded_at, Violation.created_at, late_entries.late_after()
            )
        )
    )
    by_action = db.session.execute(
        base.add_columns(ViolationAction.label, n, fines)
        .join(ViolationAction, ViolationAction.id == Violation.action_id)
        .group_by(ViolationAction.id, ViolationAction.label, ViolationAction.sort_order)
        .order_by(ViolationAction.sort_order)
    ).all()
    return {
        "by_category": by_category,
        "by_zone": by_zone,
        "by_day": by_day,
        "by_action": by_action,
        "total": sum(row.n for row in by_category),
        "fines": sum(row.fines for row in by_action),
        "late": int(late or 0),
    }


def violation_rows(f: Filters, reviewed: bool | None = None, limit: int | None = None):
    """Violations one by one (newest first), with zone, officer, category and action names."""
    query = (
        _violations_base(f, with_visit=True)
        .add_columns(
            Violation.id,
            Violation.recorded_at,
            Violation.created_at,
            Zone.name.label("zone"),
            User.full_name.label("officer"),
            ViolationCategory.label.label("category"),
            ViolationAction.label.label("action"),
            Violation.people_count,
            Violation.fine_amount,
            Violation.lat,
            Violation.lon,
            Violation.geofence,
            Violation.reviewed_at,
            Violation.review_comment,
        )
        .join(Zone, Zone.id == Visit.zone_id)
        .join(User, User.id == Visit.officer_id)
        .join(ViolationCategory, ViolationCategory.id == Violation.category_id)
        .join(ViolationAction, ViolationAction.id == Violation.action_id)
        .order_by(Violation.recorded_at.desc(), Violation.id.desc())
    )
    if reviewed is not None:
        query = query.where(
            Violation.reviewed_at.is_not(None) if reviewed else Violation.reviewed_at.is_(None)
        )
    if limit is not None:
        return db.session.execute(query.limit(limit)).all()
    return query


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# The review queue ----------------------------------------------------------------------

REVIEW_PAGE_SIZE = 20
REVIEW_DEFAULT_DAYS = 30
# Which violations the queue lists: still to decide, sent back, approved.
REVIEW_STATUSES = ("pending", "returned", "approved")


@dataclass(frozen=True)
class ReviewFilters:
    """The review queue's filters: a period (with zone), officer, category, status, page."""

    period: Filters
    officer_id: int | None = None
    category_id: int | None = None
    status: str = "pending"
    page: int = 1

    def as_args(self, **changes) -> dict:
        """The filters as query-string arguments, with ``changes`` (e.g. another page)."""
        args = self.period.as_args()
        if self.officer_id:
            args["officer_id"] = self.officer_id
        if self.category_id:
            args["category_id"] = self.category_id
        if self.status != "pending":
            args["status"] = self.status
        if self.page != 1:
            args["page"] = self.page
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "", 1, "pending")}


def parse_review_filters(args, today: date | None = None) -> ReviewFilters:
    """The review queue's filters from a query string; the last 30 days when no dates."""
    today = today or wib_today()
    typed = parse(ReviewFiltersInput, args)
    args = {key: args.get(key) for key in args}  # a plain copy (a MultiDict keeps lists)
    if typed.start is None:
        end = typed.end or today
        args = {**args, "start": (end - timedelta(days=REVIEW_DEFAULT_DAYS - 1)).isoformat()}
    return ReviewFilters(
        period=parse_filters(args, today),
        officer_id=typed.officer_id,
        category_id=typed.category_id,
        status=typed.status or "pending",
        page=typed.page or 1,
    )


def review_choices() -> dict:
    """Zones, officers and categories for the review queue's filter drop-downs."""
    return {
        "zones": db.session.execute(sa.select(Zone.id, Zone.name).order_by(Zone.name)).all(),
        "officers": db.session.execute(
            sa.select(User.id, User.full_name)
            .where(User.role == "officer")
            .order_by(User.full_name)
        ).all(),
        "categories": db.session.execute(
            sa.select(ViolationCategory.id, ViolationCategory.label).order_by(
                ViolationCategory.sort_order
            )
        ).all(),
    }


def review_queue(rf: ReviewFilters, per_page: int = REVIEW_PAGE_SIZE) -> dict:
    """One page of the review queue with everything needed to decide, and the total
    (two queries whatever the page)."""
    base = _violations_base(rf.period, with_visit=True)
    if rf.status == "pending":
        base = base.where(Violation.reviewed_at.is_(None))
    else:
        outcome = Violation.review_outcome
        base = base.where(
            outcome == "returned"
            if rf.status == "returned"
            # Reviewed before decisions had two outcomes: an approval.
            else sa.and_(
                Violation.reviewed_at.is_not(None), sa.or_(outcome.is_(None), outcome == "approved")
            )
        )
    if rf.officer_id:
        base = base.where(Visit.officer_id == rf.officer_id)
    if rf.category_id:
        base = base.where(Violation.category_id == rf.category_id)
    total = db.session.scalar(base.add_columns(sa.func.count(Violation.id)))
    pages = max(1, -(-total // per_page))
    page = min(rf.page, pages)
    rows = db.session.execute(
        base.add_columns(
            Violation.id,
            Violation.recorded_at,
            Violation.created_at.label("arrived_at"),
            Zone.name.label("zone"),
            Zone.geometry.label("zone_geometry"),
            User.full_name.label("officer"),
            ViolationCategory.label.label("category"),
            ViolationAction.label.label("action"),
            Violation.people_count,
            Violation.fine_amount,
            Violation.offender_name,
            Violation.nik_last4,
            Violation.notes,
            Violation.photo_path.is_not(None).label("has_photo"),
            Violation.lat,
            Violation.lon,
            Violation.accuracy_m,
            Violation.geofence,
            Violation.distance_m,
            Violation.gps_note,
            Violation.reviewed_at,
            Violation.review_comment,
            Violation.review_outcome,
        )
        .join(Zone, Zone.id == Visit.zone_id)
        .join(User, User.id == Visit.officer_id)
        .join(ViolationCategory, ViolationCategory.id == Violation.category_id)
        .join(ViolationAction, ViolationAction.id == Violation.action_id)
        .order_by(Violation.recorded_at.desc(), Violation.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {"rows": rows, "total": total, "page": page, "pages": pages, "per_page": per_page}


def review_violation(
    violation_id: int, reviewer_id: int, comment: str, now: datetime, outcome: str = "approved"
):
    """Record an admin's decision on a violation: approved, or sent back to the officer
    (which needs a comment saying why)."""
    violation = db.session.get(Violation, violation_id)
    if violation is None:
        return None
    if outcome not in ("approved", "returned"):
        raise ValidationError(_("Pilihan tidak dikenal."), "outcome")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError(_("Komentar paling panjang 2000 karakter."), "comment")
    if outcome == "returned" and not comment:
        raise ValidationError(
            _("Tulis alasan mengembalikan laporan ini kepada petugas."), "comment"
        )
    before = {
        "reviewed_at": _iso(violation.reviewed_at),
        "comment": violation.review_comment,
        "outcome": violation.review_outcome,
    }
    violation.reviewed_at = now
    violation.reviewed_by_id = reviewer_id
    violation.review_comment = comment or None
    violation.review_outcome = outcome
    audit.record(
        reviewer_id,
        "review",
        "violation",
        violation.id,
        before=before,
        after={"reviewed_at": _iso(now), "comment": violation.review_comment, "outcome": outcome},
    )
    db.session.flush()
    return violation


# Crowd levels ----------------------------------------------------------------------------


def crowd_report(f: Filters, busy_percent: int, over_percent: int) -> list[dict]:
    """Per zone and day: counts taken, average and highest headcount, and the peak's level."""
    day = bucket(CrowdCount.recorded_at, "day").label("day")
    query = (
        sa.select(
            Zone.name,
            Zone.capacity,
            day,
            sa.func.count(CrowdCount.id).label("n"),
            sa.func.avg(CrowdCount.headcount).label("average"),
            sa.func.max(CrowdCount.headcount).label("peak"),
        )
        .join(Zone, Zone.id == CrowdCount.zone_id)
        .where(
            CrowdCount.recorded_at >= f.since,
            CrowdCount.recorded_at < f.until,
            CrowdCount.withdrawn_at.is_(None),
        )
        .group_by(Zone.id, Zone.name, Zone.capacity, day)
        .order_by(Zone.name, day)
    )
    if f.zone_id:
        query = query.where(CrowdCount.zone_id == f.zone_id)
    # One row per zone and day: a bounded list, not the counts themselves.
    return [
        {
            "zone": row.name,
            "capacity": row.capacity,
            "day": row.day,
            "n": row.n,
            "average": round(float(row.average), 1),
            "peak": row.peak,
            "level": crowd_level(row.peak, row.capacity, busy_percent, over_percent),
        }
        for row in db.session.execute(query)
    ]


# Office check-ins --------------------------------------------------------------------------


def checkins_in_range(f: Filters):
    """The conditions that keep check-ins of the period (and office) of these filters."""
    conditions = [
        CheckIn.checked_in_at >= f.since,
        CheckIn.checked_in_at < f.until,
        CheckIn.status == "admitted",
    ]
    if f.office_id:
        conditions.append(CheckIn.office_id == f.office_id)
    return conditions


def checkins_report(f: Filters) -> dict:
    """Check-ins per office and hour of day (WIB), and each office's peak occupancy.

    Both come from the hourly summary (``checkin_hours``, kept at write time), so the
    cost follows the hours in the period, not the check-ins. The peak is the most people
    inside at any check-in of the period.
    """
    conditions = [CheckinHour.hour_start >= f.since, CheckinHour.hour_start < f.until]
    if f.office_id:
        conditions.append(CheckinHour.office_id == f.office_id)
    hour = bucket(CheckinHour.hour_start, "hour").label("hour")
    n = sa.func.sum(CheckinHour.checkins)
    by_hour = db.session.execute(
        sa.select(Office.name, hour, n.label("n"))
        .join(Office, Office.id == CheckinHour.office_id)
        .where(*conditions)
        .group_by(Office.id, Office.name, hour)
        .having(n > 0)
        .order_by(Office.name, hour)
    ).all()
    peaks = db.session.execute(
        sa.select(Office.name, Office.capacity, sa.func.max(CheckinHour.peak_inside).label("peak"))
        .join(Office, Office.id == CheckinHour.office_id)
        .where(*conditions)
        .group_by(Office.id, Office.name, Office.capacity)
        .having(n > 0)
        .order_by(Office.name)
    ).all()
    hourly: dict[str, dict[str, int]] = {}
    for row in by_hour:
        hourly.setdefault(row.name, {})[row.hour] = int(row.n)
    return {
        "by_hour": by_hour,
        "hourly": hourly,
        "peaks": peaks,
        "total": sum(int(row.n) for row in by_hour),
    }


# Patrol coverage ---------------------------------------------------------------------------


def coverage_report(f: Filters, now: datetime | None = None) -> list:
    """Per officer: shifts, shifts kept (``coverage.shift_kept``: a visit made inside the
    zone, started during the shift and sent by its end plus grace), visits, and hours in
    visits started inside the zone."""
    now = now or datetime.now(timezone.utc)
    kept = coverage.shift_kept()
    shift_conditions = [Assignment.starts_at >= f.since, Assignment.starts_at < f.until]
    visit_conditions = [Visit.started_at >= f.since, Visit.started_at < f.until]
    if f.zone_id:
        shift_conditions.append(Assignment.zone_id == f.zone_id)
        visit_conditions.append(Visit.zone_id == f.zone_id)
    shifts = (
        sa.select(
            Assignment.officer_id.label("officer_id"),
            sa.func.count(Assignment.id).label("shifts"),
            sa.func.sum(sa.case((kept, 1), else_=0)).label("kept"),
            sa.func.sum(sa.case((coverage.shift_missed(now), 1), else_=0)).label("missed"),
        )
        .where(*shift_conditions)
        .group_by(Assignment.officer_id)
        .subquery()
    )
    inside_seconds = sa.case(
        (
            sa.and_(Visit.start_geofence == "inside", Visit.ended_at.is_not(None)),
            seconds_between(Visit.started_at, Visit.ended_at),
        ),
        else_=0,
    )
    late_visit = late_entries.arrived_late_clause(
        Visit.started_at, Visit.created_at, late_entries.late_after()
    )
    visits = (
        sa.select(
            Visit.officer_id.label("officer_id"),
            sa.func.count(Visit.id).label("visits"),
            sa.func.count(Visit.id).filter(Visit.unscheduled.is_(True)).label("unscheduled"),
            sa.func.coalesce(sa.func.sum(inside_seconds), 0).label("seconds"),
            sa.func.coalesce(sa.func.sum(sa.case((late_visit, 1), else_=0)), 0).label("late"),
        )
        .where(*visit_conditions)
        .group_by(Visit.officer_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            User.full_name,
            sa.func.coalesce(shifts.c.shifts, 0).label("shifts"),
            sa.func.coalesce(shifts.c.kept, 0).label("kept"),
            sa.func.coalesce(shifts.c.missed, 0).label("missed"),
            sa.func.coalesce(visits.c.visits, 0).label("visits"),
            sa.func.coalesce(visits.c.unscheduled, 0).label("unscheduled"),
            sa.func.coalesce(visits.c.seconds, 0).label("seconds"),
            sa.func.coalesce(visits.c.late, 0).label("late"),
        )
        .outerjoin(shifts, shifts.c.officer_id == User.id)
        .outerjoin(visits, visits.c.officer_id == User.id)
        .where(User.role == "officer", sa.or_(shifts.c.shifts > 0, visits.c.visits > 0))
        .order_by(User.full_name)
    ).all()
    return [
        {
            "officer": row.full_name,
            "shifts": int(row.shifts),
            "kept": int(row.kept),
            # A shift still running (or to come) is neither kept nor missed yet.
            "missed": int(row.missed),
            "visits": int(row.visits),
            "unscheduled": int(row.unscheduled),
            "hours_inside": round(float(row.seconds) / 3600, 1),
            "late_visits": int(row.late),
        }
        for row in rows
    ]
