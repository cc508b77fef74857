"""A year of realistic volumes for load and scale tests (``flask --app patrol seed-load``).

At scale 1: about 1 000 000 office check-ins, 100 000 violations, 200 000 crowd counts,
with the shifts and visits they belong to, and the checkpoint scans of each park's patrol
round (some 50 000), spread over ``days`` days up to today. Rows go
in through Core ``insert`` executemany in batches, never through the ORM one by one; the
check-ins' hourly summary is then recomputed in SQL. The
load carries no personal data: no visitor names or phones, no offender names or NIK.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from patrol import geofence
from patrol.demo.seed import ensure_places, ensure_reference_data
from patrol.demo.seed_history import weekly_rhythm
from patrol.extensions import db
from patrol.models import (
    Assignment,
    CheckIn,
    CheckinKey,
    Checkpoint,
    CheckpointScan,
    CrowdCount,
    Office,
    PatrolRound,
    RoundStop,
    User,
    Violation,
    ViolationAction,
    ViolationCategory,
    Visit,
    Zone,
)
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import WIB, wib_today
from patrol.services import partitions
from patrol.services.crowd_hours import rebuild_crowd_hours
from patrol.services.occupancy_hours import rebuild_checkin_hours

FULL = {"checkins": 1_000_000, "violations": 100_000, "crowd_counts": 200_000, "shifts": 8_000}
OFFICERS = 24
BATCH = 5_000
SHIFT_SLOTS = (time(6, 0), time(14, 0))  # two 8-hour shifts a day, WIB
# Relative frequencies seen in the field (masks dominate).
CATEGORY_WEIGHTS = {"no_mask": 45, "mask_incorrect": 20, "no_distancing": 12, "crowding": 10}
ACTION_WEIGHTS = {"verbal_warning": 70, "written_warning": 10, "social_work": 8, "fine": 5}
CHECKIN_HOURS = [7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 12, 13, 13, 14, 14, 15]
# Patrol rounds: four tagged checkpoints per park, one round an hour; during a visit an
# officer scans most of them each hour (a tag is skipped now and then).
CHECKPOINTS_PER_ZONE = 4
ROUND_MINUTES = 60
SCAN_RATE = 0.8


@dataclass
class LoadResult:
    counts: dict[str, int]


def _batched(rows: Iterator[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table, rows: Iterator[dict], progress: Callable[[str], None] | None = None) -> int:
    """Insert rows through Core executemany in batches; return how many went in."""
    total = 0
    for batch in _batched(rows):
        db.session.execute(sa.insert(table), batch)
        total += len(batch)
        if progress and total % 100_000 < BATCH:
            progress(f"{table.name}: {total}")
    return total


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ensure_places() -> tuple[list[Zone], list[Office]]:
    """The Malang demo parks and offices (added where missing)."""
    ensure_places()
    zones = list(db.session.scalars(sa.select(Zone).where(Zone.active)))
    offices = list(db.session.scalars(sa.select(Office).where(Office.active)))
    return zones, offices


def _ensure_officers(rng: random.Random) -> list[int]:
    """Load-test officers (random unusable passwords; nobody logs in as them)."""
    have = set(db.session.scalars(sa.select(User.username).where(User.username.like("load-%"))))
    for n in range(1, OFFICERS + 1):
        username = f"load-officer-{n:02d}"
        if username not in have:
            user = User(username=username, role="officer", full_name=f"Petugas Uji {n:02d}")
            # A fast hash: scrypt for 24 throwaway accounts would dominate small runs.
            user.password_hash = "!" + secrets.token_hex(16)
            db.session.add(user)
    db.session.flush()
    return list(
        db.session.scalars(
            sa.select(User.id).where(User.username.like("load-officer-%")).order_by(User.id)
        )
    )


def _ensure_rounds(zones: list[Zone]) -> dict[int, list[tuple[int, float, float]]]:
    """A round of tagged checkpoints in every park that has none; (id, lat, lon) per zone."""
    have = set(db.session.scalars(sa.select(PatrolRound.zone_id).distinct()))
    for zone in zones:
        if zone.id in have:
            continue
        lat, lon = geofence.centre(zone.geometry)
        # Around the centre, some 40 m out: inside any of the demo parks.
        offsets = [(0.0004, 0.0), (0.0, 0.0004), (-0.0004, 0.0), (0.0, -0.0004)]
        placed = [
            Checkpoint(zone_id=zone.id, name=f"Titik {n}", lat=lat + dlat, lon=lon + dlon)
            for n, (dlat, dlon) in enumerate(offsets[:CHECKPOINTS_PER_ZONE], 1)
        ]
        db.session.add_all(placed)
        db.session.flush()
        patrol_round = PatrolRound(
            zone_id=zone.id, name="Putaran utama", interval_minutes=ROUND_MINUTES
        )
        patrol_round.stops = [
            RoundStop(checkpoint_id=c.id, position=n) for n, c in enumerate(placed, 1)
        ]
        db.session.add(patrol_round)
    db.session.flush()
    rows = db.session.execute(
        sa.select(Checkpoint.zone_id, Checkpoint.id, Checkpoint.lat, Checkpoint.lon)
        .join(RoundStop, RoundStop.checkpoint_id == Checkpoint.id)
        .join(PatrolRound, PatrolRound.id == RoundStop.round_id)
        .where(PatrolRound.active, Checkpoint.active)
        .distinct()
    )
    stops: dict[int, list[tuple[int, float, float]]] = {}
    for zone_id, checkpoint_id, lat, lon in rows:
        stops.setdefault(zone_id, []).append((checkpoint_id, lat, lon))
    return stops


def _recorded(row: dict) -> datetime:
    return row["recorded_at"]


def _wib(day: date, at: time) -> datetime:
    return datetime.combine(day, at, WIB).astimezone(timezone.utc)


def seed_load(
    scale: float = 1.0,
    days: int = 365,
    seed: int = 42,
    today: date | None = None,
    busy_percent: int = 50,
    over_percent: int = 100,
    progress: Callable[[str], None] | None = None,
    at_0011: bool = False,
    now: datetime | None = None,
) -> LoadResult:
    """Generate ``scale`` times a year's volumes over ``days`` days ending today (WIB).

    ``at_0011=True`` is for a database still at migration 0011, before checkin_keys and
    checkin_hours: neither is filled. bench/partition_test.py fills one so to test the
    migration that creates and backfills the keys.
    """
    rng = random.Random(seed)
    # Nothing is written later than now: a row "from this evening" would show in today's
    # figures before it happened. Shifts still running keep their end.
    now = now or datetime.now(timezone.utc)
    today = today or wib_today()
    first_day = today - timedelta(days=days - 1)
    ensure_reference_data()
    zones, offices = _ensure_places()
    officers = _ensure_officers(rng)
    n = {what: max(1, round(volume * scale)) for what, volume in FULL.items()}

    # Shifts: distinct (day, slot, officer) triples, so no officer is booked twice at once;
    # only shifts that have started by now.
    slots = [
        start
        for day_index in range(days)
        for at in SHIFT_SLOTS
        if (start := _wib(first_day + timedelta(days=day_index), at)) <= now
    ]
    possible = len(slots) * len(officers)
    picks = rng.sample(range(possible), min(n["shifts"], possible))
    shifts = []
    for pick in picks:
        slot_index, officer_index = divmod(pick, len(officers))
        shifts.append((officers[officer_index], rng.choice(zones), slots[slot_index]))
    counts = {
        "assignments": _insert(
            Assignment.__table__,
            (
                {
                    "officer_id": officer,
                    "zone_id": zone.id,
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=8),
                    "created_at": start - timedelta(days=3),
                }
                for officer, zone, start in shifts
            ),
            progress,
        )
    }

    # Visits: nine shifts in ten are kept, with two visits each.
    first_visit = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Visit.id), 0)))

    def visit_rows() -> Iterator[dict]:
        for officer, zone, start in shifts:
            if rng.random() < 0.1:
                continue
            lon, lat = (
                zone.geometry["coordinates"][:2]
                if zone.geometry["type"] == "Point"
                else (
                    112.63,
                    -7.98,
                )
            )
            for k in range(2):
                begun = start + timedelta(minutes=30 + k * 200 + rng.randint(0, 60))
                verdict = rng.choices(("inside", "uncertain", "outside"), (85, 10, 5))[0]
                ended = begun + timedelta(minutes=rng.randint(30, 150))
                if begun > now:
                    continue
                yield {
                    "uuid": _uuid(rng),
                    "officer_id": officer,
                    "zone_id": zone.id,
                    "started_at": begun,
                    "ended_at": min(ended, now),
                    "created_at": begun,
                    "closed_by": "officer",
                    "start_lat": lat + rng.uniform(-0.0006, 0.0006),
                    "start_lon": lon + rng.uniform(-0.0006, 0.0006),
                    "start_accuracy_m": rng.uniform(5, 40),
                    "start_geofence": verdict,
                    "start_distance_m": 0.0 if verdict == "inside" else rng.uniform(5, 400),
                }

    counts["visits"] = _insert(Visit.__table__, visit_rows(), progress)
    visits = db.session.execute(
        sa.select(Visit.id, Visit.zone_id, Visit.started_at, Visit.ended_at).where(
            Visit.id > first_visit
        )
    ).all()
    # Rounds and scans only on today's schema (a database at 0011 lacks later columns).
    stops = {} if at_0011 else _ensure_rounds(zones)

    def scan_rows() -> Iterator[dict]:
        step = timedelta(minutes=ROUND_MINUTES)
        for visit in visits:
            window = visit.started_at
            while window < visit.ended_at:
                span = (min(window + step, visit.ended_at) - window).total_seconds()
                for checkpoint_id, lat, lon in stops.get(visit.zone_id, []):
                    if rng.random() < SCAN_RATE:
                        at = window + timedelta(seconds=rng.uniform(0, span))
                        yield {
                            "uuid": _uuid(rng),
                            "visit_id": visit.id,
                            "checkpoint_id": checkpoint_id,
                            "recorded_at": at,
                            "created_at": at,
                            "lat": lat + rng.uniform(-0.00005, 0.00005),
                            "lon": lon + rng.uniform(-0.00005, 0.00005),
                            "accuracy_m": rng.uniform(5, 20),
                            "geofence": "inside",
                        }
                window += step

    counts["checkpoint_scans"] = _insert(
        CheckpointScan.__table__, iter(sorted(scan_rows(), key=_recorded)), progress
    )
    capacity = {z.id: z.capacity for z in zones}
    centre = {z.id: z.geometry["coordinates"][:2] for z in zones}

    def moment(visit) -> datetime:
        span = (visit.ended_at - visit.started_at).total_seconds()
        return visit.started_at + timedelta(seconds=rng.uniform(0, span))

    codes = dict(db.session.execute(sa.select(ViolationCategory.code, ViolationCategory.id)).all())
    actions = dict(db.session.execute(sa.select(ViolationAction.code, ViolationAction.id)).all())
    category_codes = list(codes)
    category_weights = [CATEGORY_WEIGHTS.get(code, 3) for code in category_codes]
    action_codes = list(actions)
    action_weights = [ACTION_WEIGHTS.get(code, 2) for code in action_codes]

    def violation_rows() -> Iterator[dict]:
        for _ in range(n["violations"]):
            visit = rng.choice(visits)
            lon, lat = centre[visit.zone_id]
            action = rng.choices(action_codes, action_weights)[0]
            at = moment(visit)
            yield {
                "uuid": _uuid(rng),
                "visit_id": visit.id,
                "recorded_at": at,
                "created_at": at,
                "category_id": codes[rng.choices(category_codes, category_weights)[0]],
                "action_id": actions[action],
                "people_count": rng.choice((1, 1, 1, 2, 3, 5)),
                "fine_amount": rng.choice((100_000, 250_000)) if action == "fine" else None,
                "lat": lat + rng.uniform(-0.0005, 0.0005),
                "lon": lon + rng.uniform(-0.0005, 0.0005),
                "accuracy_m": rng.uniform(5, 30),
                "geofence": "inside",
            }

    def crowd_rows() -> Iterator[dict]:
        for _ in range(n["crowd_counts"]):
            visit = rng.choice(visits)
            lon, lat = centre[visit.zone_id]
            at = moment(visit)
            # A city's weekly rhythm, so that the demo's forecasts look like one.
            share = weekly_rhythm(at.astimezone(WIB)) * rng.uniform(0.75, 1.25)
            headcount = int(capacity[visit.zone_id] * share)
            yield {
                "uuid": _uuid(rng),
                "visit_id": visit.id,
                "zone_id": visit.zone_id,
                "recorded_at": at,
                "created_at": at,
                "headcount": min(headcount, 10_000),
                "level": crowd_level(
                    headcount, capacity[visit.zone_id], busy_percent, over_percent
                ),
                "lat": lat + rng.uniform(-0.0005, 0.0005),
                "lon": lon + rng.uniform(-0.0005, 0.0005),
                "accuracy_m": rng.uniform(5, 30),
                "geofence": "inside",
            }

    if visits:
        # In time order, as they arrive from the field: rows of one week then sit on a few
        # pages together, as in a real database (random order made a week's range scan
        # read thousands of pages, and the crowd report look slower than it is).
        counts["violations"] = _insert(
            Violation.__table__, iter(sorted(violation_rows(), key=_recorded)), progress
        )
        counts["crowd_counts"] = _insert(
            CrowdCount.__table__, iter(sorted(crowd_rows(), key=_recorded)), progress
        )

    entrances = {o.id: [e.id for e in o.entrances] for o in offices}

    def checkin_rows() -> Iterator[dict]:
        for _ in range(n["checkins"]):
            office = rng.choice(offices)
            day = first_day + timedelta(days=rng.randrange(days))
            at = _wib(day, time(rng.choice(CHECKIN_HOURS), rng.randrange(60), rng.randrange(60)))
            turned_away = rng.random() < 0.03
            out = None if turned_away else at + timedelta(minutes=rng.randint(5, 180))
            if at > now:
                at -= timedelta(days=1)  # today's later hours happen yesterday instead
                out = None if out is None else out - timedelta(days=1)
            if out is not None and out > now:
                out = None  # still inside
            yield {
                "uuid": _uuid(rng),
                "office_id": office.id,
                "entrance_id": rng.choice(entrances[office.id]) if entrances[office.id] else None,
                "purpose": None,
                "has_symptoms": turned_away,
                "vaccine_doses": rng.choice((2, 2, 3, 3, 1)),
                "screening": "red" if turned_away else "green",
                "status": "turned_away" if turned_away else "admitted",
                "checked_in_at": at,
                "checked_out_at": out,
                "checkout_by": None if out is None else rng.choice(("self", "guard", "auto")),
                "short_code": f"{rng.getrandbits(24):06X}",
                "checkout_secret": f"{rng.getrandbits(192):048x}",
                "remote": False,
            }

    if partitions.is_partitioned():
        # A year back: months before the migration made its partitions (PostgreSQL).
        partitions.ensure_span(_wib(first_day, time(0, 0)), _wib(today, time(23, 59)))
    first_checkin = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(CheckIn.id), 0)))
    counts["checkins"] = _insert(CheckIn.__table__, checkin_rows(), progress)
    if at_0011:
        return LoadResult(counts=counts)
    # The unique keys of the new rows, in one statement (as the migration backfills them).
    columns = (CheckIn.uuid, CheckIn.checkout_secret, CheckIn.id, CheckIn.checked_in_at)
    db.session.execute(
        sa.insert(CheckinKey).from_select(
            ["uuid", "checkout_secret", "checkin_id", "checked_in_at"],
            sa.select(*columns).where(CheckIn.id > first_checkin),
        )
    )

    # The rows went in behind the check-in service: fill its hourly summary in SQL.
    counts["checkin_hours"] = rebuild_checkin_hours(since=_wib(first_day, time(0, 0)))
    # The same for the crowd counts' hourly summary (the busy-hour forecasts).
    counts["crowd_hours"] = rebuild_crowd_hours(since=_wib(first_day, time(0, 0)))
    if db.session.get_bind().dialect.name == "postgresql":
        # Planner statistics now, not when autovacuum gets round to it: without them the
        # dashboard's latest-count seek became a scan of every count (0.9 s, not 20 ms).
        db.session.execute(sa.text("ANALYZE"))
    return LoadResult(counts=counts)
