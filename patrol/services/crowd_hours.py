"""Crowd counts per zone and WIB hour (table ``crowd_hours``), and the forecasts read from it.

Every crowd count that is added, corrected, withdrawn or deleted through the ORM changes
its hour's row in the same flush (a session event, so that the form, the sync API, the
corrections and anything added later keep the summary without remembering to). Counts
that reach the database another way (``seed-load``, a restore, an import) are summarised
by :func:`rebuild_crowd_hours` (``flask --app patrol rebuild-crowd-hours``).

The forecast (patrol.rules.forecast) reads at most ``HISTORY_DAYS`` of these rows per park, so
its cost follows the zones and the window, never the years of counts behind them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import holidays as holiday_calendars
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from patrol.extensions import db
from patrol.models import CrowdCount, CrowdHour, Visit, Zone
from patrol.rules import forecast as model
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import WIB, utcnow, wib_today
from patrol.services.errors import ValidationError
from patrol.web.microcache import app_cache

# The summary -------------------------------------------------------------------------


def local_slot(at: datetime) -> tuple[date, int]:
    """The WIB day and hour of an instant."""
    local = at.astimezone(WIB)
    return local.date(), local.hour


def _counted(crowd: CrowdCount) -> tuple[int, int]:
    """What a count adds to its hour as it stands now: (counts, headcount)."""
    return (0, 0) if crowd.withdrawn_at is not None else (1, crowd.headcount)


def _before(crowd: CrowdCount) -> tuple[int, int]:
    """What a count added to its hour before this flush changed it."""
    state = sa.inspect(crowd)
    headcount = state.attrs.headcount.history
    withdrawn = state.attrs.withdrawn_at.history
    old_headcount = headcount.deleted[0] if headcount.deleted else crowd.headcount
    old_withdrawn = withdrawn.deleted[0] if withdrawn.deleted else crowd.withdrawn_at
    return (0, 0) if old_withdrawn is not None else (1, old_headcount)


# An increment under the row's lock: exact with any number of writers. SQL text, the same
# on SQLite and PostgreSQL: SQLAlchemy compiles a dialect ``insert().on_conflict_do_update``
# anew on every execution (it has no cache key), which every crowd count paid.
_ADD = sa.text(
    """
INSERT INTO crowd_hours (zone_id, day, hour, counts, headcount_sum)
VALUES (:zone_id, :day, :hour, :counts, :headcount_sum)
ON CONFLICT (zone_id, day, hour) DO UPDATE SET
    counts = crowd_hours.counts + excluded.counts,
    headcount_sum = crowd_hours.headcount_sum + excluded.headcount_sum
"""
).bindparams(
    sa.bindparam("zone_id", type_=sa.Integer),
    sa.bindparam("day", type_=sa.Date),
    sa.bindparam("hour", type_=sa.Integer),
    sa.bindparam("counts", type_=sa.Integer),
    sa.bindparam("headcount_sum", type_=sa.BigInteger),
)


def _after_flush(session: Session, _context) -> None:
    deltas: dict[tuple[int, date, int], list[int]] = defaultdict(lambda: [0, 0])

    def change(crowd: CrowdCount, counts: int, headcount: int) -> None:
        if counts or headcount:
            slot = deltas[(crowd.zone_id, *local_slot(crowd.recorded_at))]
            slot[0] += counts
            slot[1] += headcount

    for obj in session.new:
        if isinstance(obj, CrowdCount):
            change(obj, *_counted(obj))
    for obj in session.dirty:
        if isinstance(obj, CrowdCount) and session.is_modified(obj):
            now_counts, now_heads = _counted(obj)
            old_counts, old_heads = _before(obj)
            change(obj, now_counts - old_counts, now_heads - old_heads)
    for obj in session.deleted:
        if isinstance(obj, CrowdCount):
            counts, heads = _before(obj)
            change(obj, -counts, -heads)
    if not deltas:
        return
    connection = session.connection()
    table = CrowdHour.__table__
    rows = [
        {"zone_id": z, "day": d, "hour": h, "counts": c, "headcount_sum": s}
        for (z, d, h), (c, s) in sorted(deltas.items())
    ]
    grown = [r for r in rows if r["counts"] >= 0 and r["headcount_sum"] >= 0]
    shrunk = [r for r in rows if r not in grown]
    if grown:
        connection.execute(_ADD, grown)
    if shrunk:
        # A count taken back or lowered was counted before: its hour's row exists.
        connection.execute(
            sa.update(table)
            .where(
                table.c.zone_id == sa.bindparam("z"),
                table.c.day == sa.bindparam("d"),
                table.c.hour == sa.bindparam("h"),
            )
            .values(
                counts=table.c.counts + sa.bindparam("c"),
                headcount_sum=table.c.headcount_sum + sa.bindparam("s"),
            ),
            [
                {
                    "z": r["zone_id"],
                    "d": r["day"],
                    "h": r["hour"],
                    "c": r["counts"],
                    "s": r["headcount_sum"],
                }
                for r in shrunk
            ],
        )


def listen() -> None:
    """Keep ``crowd_hours`` in step with every ORM flush (called once by create_app)."""
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)


_LOCAL = {
    "postgresql": (
        "CAST(recorded_at AT TIME ZONE 'Asia/Jakarta' AS date)",
        "CAST(EXTRACT(HOUR FROM recorded_at AT TIME ZONE 'Asia/Jakarta') AS integer)",
    ),
    # SQLite keeps UTC as naive text; WIB is a fixed seven hours ahead (no daylight saving).
    "sqlite": (
        "date(recorded_at, '+7 hours')",
        "CAST(strftime('%H', recorded_at, '+7 hours') AS integer)",
    ),
}


def rebuild_crowd_hours(since: datetime | None = None, connection=None) -> int:
    """Recompute the summary from the counts (all, or those recorded from ``since``),
    set-based in SQL; returns the number of zone-hours written."""
    conn = connection if connection is not None else db.session.connection()
    dialect = "postgresql" if conn.dialect.name == "postgresql" else "sqlite"
    day_sql, hour_sql = _LOCAL[dialect]
    params: dict = {}
    if dialect == "postgresql":
        # Writers wait for the rebuild: a count committed meanwhile is neither lost nor
        # counted twice (SQLite has one writer at a time anyway).
        conn.execute(sa.text("LOCK TABLE crowd_hours IN SHARE ROW EXCLUSIVE MODE"))
    where = "withdrawn_at IS NULL"
    if since is not None:
        # Whole local days, so that no hour is half rebuilt.
        first_day = local_slot(since)[0]
        start = datetime.combine(first_day, datetime.min.time(), WIB).astimezone(timezone.utc)
        params["since"] = start if dialect == "postgresql" else start.replace(tzinfo=None)
        params["first_day"] = first_day
        conn.execute(sa.text("DELETE FROM crowd_hours WHERE day >= :first_day"), params)
        where += " AND recorded_at >= :since"
    else:
        conn.execute(sa.text("DELETE FROM crowd_hours"))
    # Only constant fragments are pasted into the SQL text; the one value is bound.
    sql = f"""
        INSERT INTO crowd_hours (zone_id, day, hour, counts, headcount_sum)
        SELECT zone_id, {day_sql}, {hour_sql}, COUNT(*), SUM(headcount)
        FROM crowd_counts WHERE {where}
        GROUP BY zone_id, {day_sql}, {hour_sql}
    """  # noqa: S608 - constant fragments only
    result = conn.execute(sa.text(sql), params)
    return result.rowcount or 0


# The forecast ------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _holiday_calendar(year: int):
    return holiday_calendars.country_holidays("ID", years=year)


@lru_cache(maxsize=4096)
def is_holiday(day: date) -> bool:
    """Whether a date is a public holiday in Indonesia (the python-holidays calendar).

    Kept per date: the forecast asks it for every observation of its weeks, and the
    calendar's own look-up cost a third of computing a forecast."""
    return day in _holiday_calendar(day.year)


def holiday_name(day: date) -> str | None:
    return _holiday_calendar(day.year).get(day)


def horizon_days() -> int:
    return int(current_app.config["FORECAST_HORIZON_DAYS"])


class OutsideHorizon(ValidationError):
    """A well-formed date the forecast does not cover (past, or beyond the horizon)."""


def forecast_day(day: date | None, today: date) -> date:
    """The day a forecast is asked for (``inputs.api.ForecastQuery``): from today up to the
    horizon; today when left out."""
    if day is None:
        return today
    horizon = horizon_days()
    if not today <= day <= today + timedelta(days=horizon):
        raise OutsideHorizon(
            _(
                "Perkiraan tersedia untuk hari ini sampai %(days)d hari ke depan.",
                days=horizon,
            ),
            "date",
        )
    return day


def _observations(zone_ids: list[int], since: date) -> dict[int, list[model.Observation]]:
    rows = db.session.execute(
        sa.select(
            CrowdHour.zone_id,
            CrowdHour.day,
            CrowdHour.hour,
            CrowdHour.counts,
            CrowdHour.headcount_sum,
        ).where(
            CrowdHour.zone_id.in_(zone_ids),
            CrowdHour.day >= since,
            CrowdHour.counts > 0,
        )
    ).all()
    out: dict[int, list[model.Observation]] = defaultdict(list)
    for zone_id, day, hour, counts, total in rows:
        out[zone_id].append(model.Observation(day, hour, total / counts, counts))
    return out


def _borrow(since: date, hours: list[int]):
    """Occupancy of every park by kind, day kind and hour: the fallback of thin parks.

    Read for ``hours`` only, the hours some park has never been counted at: each hour's
    fallback is made from that hour's rows alone (``model.occupancy_profile``), and those
    are mostly night hours nobody counts. Reading all 24 made the forecast of one park
    read every park's twelve weeks (a year's city: 80 % of a forecast's time)."""
    mean = CrowdHour.headcount_sum * 1.0 / CrowdHour.counts
    rows = db.session.execute(
        sa.select(
            Zone.kind,
            CrowdHour.day,
            CrowdHour.hour,
            sa.func.sum(mean),
            sa.func.sum(Zone.capacity),
        )
        .join(Zone, Zone.id == CrowdHour.zone_id)
        .where(
            CrowdHour.day >= since,
            CrowdHour.counts > 0,
            Zone.capacity > 0,
            CrowdHour.hour.in_(hours),
        )
        .group_by(Zone.kind, CrowdHour.day, CrowdHour.hour)
    ).all()
    return model.occupancy_profile(
        (kind, model.day_kind(day, is_holiday, 0), hour, float(total), float(capacity))
        for kind, day, hour, total, capacity in rows
    )


@dataclass(frozen=True)
class ZoneForecast:
    """A park's forecast for a day with the level of each hour against its capacity."""

    zone_id: int
    day: date
    based_on_days: int
    expected: tuple[float | None, ...]
    levels: tuple[str | None, ...]

    @property
    def busy_window(self) -> tuple[int, int] | None:
        return model.busy_window(self.levels)

    @property
    def busy_words(self) -> str | None:
        """ "16.00–18.00": when the park is usually busy that day (WIB), or None."""
        return window_words(self.busy_window)

    def peak_hour(self) -> int | None:
        known = [(v, h) for h, v in enumerate(self.expected) if v is not None]
        return max(known)[1] if known else None


def forecasts(zones: list[Zone], day: date, now: datetime | None = None) -> list[ZoneForecast]:
    """Forecasts for several parks for one WIB day (two queries, whatever the history)."""
    now = now or utcnow()
    today = wib_today(now)
    since = today - timedelta(days=model.HISTORY_DAYS)
    observations = _observations([z.id for z in zones], since) if zones else {}
    config = current_app.config
    unknown = {
        zone.id: set(model.HOURS) - {o.hour for o in observations.get(zone.id, [])}
        for zone in zones
    }
    borrowed = None
    out = []
    for zone in zones:
        history = observations.get(zone.id, [])

        def fallback(kind, hour, zone=zone):
            nonlocal borrowed
            if borrowed is None:
                borrowed = _borrow(since, sorted(set().union(*unknown.values())))
            return borrowed(zone.kind, zone.capacity, kind, hour)

        needs_fallback = bool(unknown[zone.id])
        result = model.forecast_day(
            history, day, today, is_holiday, fallback if needs_fallback else None
        )
        expected = tuple(None if v is None else round(v, 1) for v in result.hours)
        levels = tuple(
            None
            if v is None
            else crowd_level(
                round(v),
                zone.capacity,
                config["CROWD_BUSY_PERCENT"],
                config["CROWD_OVER_PERCENT"],
            )
            for v in expected
        )
        out.append(ZoneForecast(zone.id, day, result.based_on_days, expected, levels))
    return out


def cached_forecasts(zones: list, day: date, now: datetime | None = None) -> list[ZoneForecast]:
    """:func:`forecasts`, kept by each worker for ``FORECAST_CACHE_SECONDS`` (the same for
    everyone and changing by the hour, not the second; nothing personal is kept)."""
    key = "forecasts.{}.{}".format(day.isoformat(), ",".join(str(z.id) for z in zones))
    seconds = current_app.config["FORECAST_CACHE_SECONDS"]
    return app_cache().get(key, seconds, lambda: forecasts(zones, day, now))


@dataclass(frozen=True)
class Outlook:
    """A zone's expected day for the shift planner."""

    zone: Zone
    forecast: ZoneForecast
    peak_hour: int | None
    peak_people: float | None


def planning_outlook(day: date, now: datetime | None = None) -> list[Outlook]:
    """Every active zone's forecast for a planned day, the most crowded (against capacity)
    first; empty outside the forecast's horizon."""
    now = now or utcnow()
    today = wib_today(now)
    if not today <= day <= today + timedelta(days=horizon_days()):
        return []
    zones = list(db.session.scalars(sa.select(Zone).where(Zone.active.is_(True))))
    out = []
    for zone, forecast in zip(zones, cached_forecasts(zones, day, now), strict=True):
        peak = forecast.peak_hour()
        out.append(
            Outlook(zone, forecast, peak, forecast.expected[peak] if peak is not None else None)
        )

    def crowding(item: Outlook) -> float:
        if item.peak_people is None:
            return -1.0
        return item.peak_people / item.zone.capacity if item.zone.capacity else 0.0

    out.sort(key=lambda item: (-crowding(item), item.zone.name))
    return out


def forecast_record(zone_forecast: ZoneForecast) -> dict:
    """The open-data answer for one park and day (nothing personal)."""
    return {
        "zone_id": zone_forecast.zone_id,
        "date": zone_forecast.day.isoformat(),
        "based_on_days": zone_forecast.based_on_days,
        "hours": [
            {"hour": hour, "expected_headcount": expected, "level": level}
            for hour, (expected, level) in enumerate(
                zip(zone_forecast.expected, zone_forecast.levels, strict=True)
            )
        ],
    }


def window_words(window: tuple[int, int] | None) -> str | None:
    """ "16.00–18.00" for the busy window (WIB), or None."""
    if window is None:
        return None
    start, end = window
    return f"{start:02d}.00–{end % 24:02d}.00" if end != 24 else f"{start:02d}.00–24.00"


# Where an officer could go next -----------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A zone worth a visit now and why, in words."""

    zone: Zone
    score: float
    reasons: tuple[str, ...]


_LAST_VISITS = (
    sa.select(Visit.zone_id, sa.func.max(Visit.started_at))
    .where(
        Visit.zone_id.in_(sa.bindparam("zone_ids", expanding=True)),
        Visit.started_at <= sa.bindparam("now"),
    )
    .group_by(Visit.zone_id)
)  # built once: every free officer's home asks it (docs/decisions.md)


def suggestions(
    now: datetime | None = None, limit: int = 3, zones: list[Zone] | None = None
) -> list[Suggestion]:
    """Active zones ranked by the crowding expected this hour against capacity and by the
    time since anyone last visited them. ``zones`` are the active zones when the caller has
    them already (the officer's home lists them for its form)."""
    now = now or utcnow()
    if zones is None:
        zones = list(db.session.scalars(sa.select(Zone).where(Zone.active.is_(True))))
    zones = [zone for zone in zones if zone.active]
    if not zones:
        return []
    day, hour = local_slot(now)
    expected = {f.zone_id: f for f in cached_forecasts(zones, day, now)}
    last_visit = dict(
        db.session.execute(_LAST_VISITS, {"zone_ids": [z.id for z in zones], "now": now}).all()
    )
    ranked = []
    for zone in zones:
        reasons = []
        forecast = expected[zone.id]
        value = forecast.expected[hour]
        crowding = 0.0
        if value is not None and zone.capacity > 0:
            crowding = value / zone.capacity
            if forecast.levels[hour] in ("busy", "over"):
                reasons.append(
                    _(
                        "biasanya ramai jam ini (sekitar %(people)s orang, kapasitas %(cap)s)",
                        people=round(value),
                        cap=zone.capacity,
                    )
                )
        seen = last_visit.get(zone.id)
        if seen is not None and seen.tzinfo is None:
            seen = seen.replace(tzinfo=timezone.utc)
        hours_since = (now - seen).total_seconds() / 3600 if seen else None
        if hours_since is None:
            reasons.append(_("belum pernah dikunjungi"))
            staleness = 1.0
        else:
            staleness = min(hours_since / 12, 1.0)
            if hours_since >= 3:
                reasons.append(
                    _("terakhir dikunjungi %(hours)s jam yang lalu", hours=int(hours_since))
                )
        if not reasons:
            continue
        ranked.append(Suggestion(zone, crowding + staleness, tuple(reasons)))
    ranked.sort(key=lambda s: (-s.score, s.zone.name))
    return ranked[:limit]
