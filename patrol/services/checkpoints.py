"""Checkpoints and patrol rounds: placing tags, scanning them, and finding missed ones.

A checkpoint is a point in a zone with a QR sticker or NFC tag carrying its token. A
round is a set of a zone's checkpoints (ordered or not) expected every N minutes during
each shift in that zone. The intervals are counted from the start of the shift.

Missed checkpoints are computed, not stored: a checkpoint of an active round that the
shift's officer did not scan within one complete interval is a miss. Computing them
means a late offline scan still clears its miss and no scheduler is needed; only an
admin closing an alert (with a comment) is stored, as a MissedCheckpointClosure.

Functions take plain values, add and flush; the caller commits once.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.field import GpsFields, GpsFix
from patrol.models import (
    MAX_SHIFT,
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    Assignment,
    Checkpoint,
    CheckpointScan,
    MissedCheckpointClosure,
    PatrolRound,
    RoundStop,
    User,
    Visit,
    Zone,
    new_short_code,
)
from patrol.rules import geofence
from patrol.rules.timeutil import utcnow
from patrol.services import positions, records, visits
from patrol.services.audit import record
from patrol.services.errors import ValidationError

# The same tag scanned again this soon in one visit is a double tap, not a new pass.
REPEAT_WINDOW = timedelta(minutes=2)
MIN_INTERVAL, MAX_INTERVAL = 5, 1440
FAR_NOTE = "far_from_checkpoint"


# Placing checkpoints (admins) -----------------------------------------------------------


def radius_m() -> float:
    """How far from its checkpoint (metres) a scan may be before it is flagged."""
    return float(current_app.config.get("CHECKPOINT_RADIUS_M", 30))


def checkpoint_geometry(checkpoint: Checkpoint) -> dict:
    """The circle around a checkpoint that a scan's GPS fix is judged against."""
    return {
        "type": "Point",
        "coordinates": [checkpoint.lon, checkpoint.lat],
        "properties": {"radius_m": radius_m()},
    }


def _name(value: str | None) -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationError(_("Nama titik wajib diisi."), "name")
    if len(name) > 120:
        raise ValidationError(_("Nama terlalu panjang (paling banyak 120 huruf)."), "name")
    return name


def _position(zone: Zone, lat, lon) -> tuple[float, float]:
    """A checkpoint's position: numbers, within the allowed bounds, in (or at) the zone."""
    typed = parse(GpsFields, {"lat": lat, "lon": lon})
    lat_v, lon_v = typed.lat, typed.lon
    if lat_v is None:
        raise ValidationError(_("Lintang wajib diisi (ketuk peta atau ketik)."), "lat")
    if lon_v is None:
        raise ValidationError(_("Bujur wajib diisi (ketuk peta atau ketik)."), "lon")
    bounds = current_app.config.get("ZONE_BOUNDS") or geofence.INDONESIA_BOUNDS
    try:
        geofence.validate_geometry(
            {"type": "Point", "coordinates": [lon_v, lat_v], "properties": {"radius_m": 10}},
            bounds,
        )
    except geofence.GeometryError as error:
        raise ValidationError(str(error), "lat") from None
    inside, edge_m = geofence.boundary_distance_m(zone.geometry, lat_v, lon_v)
    if not inside and edge_m > radius_m():
        raise ValidationError(
            _("Titik berada di luar zona (%(m)d m dari batas).", m=round(edge_m)), "lat"
        )
    return lat_v, lon_v


def _snapshot(checkpoint: Checkpoint) -> dict:
    return {
        "zone_id": checkpoint.zone_id,
        "name": checkpoint.name,
        "lat": checkpoint.lat,
        "lon": checkpoint.lon,
        "active": checkpoint.active,
    }


def active_zone(zone_id) -> Zone:
    """A zone checkpoints and rounds may be added to."""
    zone = db.session.get(Zone, zone_id) if isinstance(zone_id, int) else None
    if zone is None:
        raise ValidationError(_("Zona tidak dikenal."), "zone_id")
    return zone


def create_checkpoint(actor_id: int, zone_id: int, name: str | None, lat, lon) -> Checkpoint:
    """Place a new checkpoint in a zone; it gets a fresh unguessable token."""
    zone = active_zone(zone_id)
    checkpoint_name = _name(name)
    lat_v, lon_v = _position(zone, lat, lon)
    checkpoint = Checkpoint(
        zone_id=zone.id, name=checkpoint_name, lat=lat_v, lon=lon_v, short_code=free_short_code()
    )
    db.session.add(checkpoint)
    db.session.flush()
    record(actor_id, "create", "checkpoint", checkpoint.id, None, _snapshot(checkpoint))
    return checkpoint


def set_checkpoint_active(actor_id: int, checkpoint: Checkpoint, active: bool) -> Checkpoint:
    """Switch a checkpoint on or off; a switched-off tag is refused when scanned."""
    before = _snapshot(checkpoint)
    checkpoint.active = active
    record(actor_id, "update", "checkpoint", checkpoint.id, before, _snapshot(checkpoint))
    db.session.flush()
    return checkpoint


def reissue_token(actor_id: int, checkpoint: Checkpoint) -> Checkpoint:
    """Give a checkpoint a new token: the old sticker or tag stops working at once."""
    from patrol.models import new_token

    checkpoint.token = new_token()
    checkpoint.short_code = free_short_code()
    record(actor_id, "reissue_token", "checkpoint", checkpoint.id, None, None)
    db.session.flush()
    return checkpoint


def zone_checkpoints(zone_id: int, active_only: bool = False) -> list[Checkpoint]:
    """A zone's checkpoints by name."""
    query = sa.select(Checkpoint).where(Checkpoint.zone_id == zone_id)
    if active_only:
        query = query.where(Checkpoint.active)
    return list(db.session.scalars(query.order_by(Checkpoint.name, Checkpoint.id)))


# Rounds (admins) ------------------------------------------------------------------------


def _interval(value) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        raise ValidationError(_("Selang waktu harus berupa bilangan bulat menit."), "interval")
    minutes = int(text)
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise ValidationError(_("Selang waktu harus antara 5 menit dan 24 jam."), "interval")
    return minutes


def create_round(
    actor_id: int,
    zone_id: int,
    name: str | None,
    interval_minutes,
    checkpoint_ids: list[int],
    ordered: bool = False,
) -> PatrolRound:
    """Make a zone's round from its checkpoints, in the order given."""
    zone = active_zone(zone_id)
    round_name = (name or "").strip()
    if not round_name:
        raise ValidationError(_("Nama putaran wajib diisi."), "name")
    if len(round_name) > 120:
        raise ValidationError(_("Nama terlalu panjang (paling banyak 120 huruf)."), "name")
    minutes = _interval(interval_minutes)
    ids = list(dict.fromkeys(checkpoint_ids))
    if not ids:
        raise ValidationError(_("Pilih sedikitnya satu titik."), "checkpoints")
    known = {c.id: c for c in zone_checkpoints(zone.id, active_only=True)}
    if any(i not in known for i in ids):
        raise ValidationError(_("Titik harus titik aktif di zona ini."), "checkpoints")
    patrol_round = PatrolRound(
        zone_id=zone.id, name=round_name, ordered=bool(ordered), interval_minutes=minutes
    )
    patrol_round.stops = [
        RoundStop(checkpoint_id=cid, position=n) for n, cid in enumerate(ids, start=1)
    ]
    db.session.add(patrol_round)
    db.session.flush()
    record(
        actor_id,
        "create",
        "patrol_round",
        patrol_round.id,
        None,
        {"name": round_name, "interval_minutes": minutes, "ordered": bool(ordered), "stops": ids},
    )
    return patrol_round


def set_round_active(actor_id: int, patrol_round: PatrolRound, active: bool) -> PatrolRound:
    """Switch a round on or off; a switched-off round raises no alerts."""
    before = {"active": patrol_round.active}
    patrol_round.active = active
    record(actor_id, "update", "patrol_round", patrol_round.id, before, {"active": active})
    db.session.flush()
    return patrol_round


def zone_rounds(zone_id: int, active_only: bool = False) -> list[PatrolRound]:
    """A zone's rounds with their stops."""
    query = (
        sa.select(PatrolRound)
        .options(joinedload(PatrolRound.stops).joinedload(RoundStop.checkpoint))
        .where(PatrolRound.zone_id == zone_id)
    )
    if active_only:
        query = query.where(PatrolRound.active)
    return list(db.session.scalars(query.order_by(PatrolRound.name)).unique())


# Scanning (officers) --------------------------------------------------------------------


def free_short_code() -> str:
    """A short code no checkpoint has yet (a clash among 64 million is rare: draw again)."""
    while True:
        code = new_short_code()
        taken = db.session.scalar(sa.select(Checkpoint.id).where(Checkpoint.short_code == code))
        if taken is None:
            return code


def normalise_code(text: str) -> str | None:
    """A typed short code in its stored form (any case, spaces or dashes), else None."""
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) == SHORT_CODE_LENGTH and all(c in SHORT_CODE_ALPHABET for c in code):
        return code
    return None


def token_lookup(text: str):
    """The column a scanned or typed code is looked up by, and the value to look for."""
    code = normalise_code(text)
    return (Checkpoint.short_code, code) if code else (Checkpoint.token, text)


def checkpoints_by_token(tokens) -> tuple[dict, dict]:
    """A sync batch's checkpoints, by token and by short code, in one statement."""
    wanted = {"token": set(), "short_code": set()}
    for token in tokens:
        text = (token or "").strip()
        if text:
            column, value = token_lookup(text)
            wanted[column.key].add(value)
    found: dict[str, dict] = {"token": {}, "short_code": {}}
    if wanted["token"] or wanted["short_code"]:
        rows = db.session.scalars(
            sa.select(Checkpoint).where(
                sa.or_(
                    Checkpoint.token.in_(wanted["token"]),
                    Checkpoint.short_code.in_(wanted["short_code"]),
                )
            )
        )
        for row in rows:
            found["token"][row.token] = row
            if row.short_code is not None:
                found["short_code"][row.short_code] = row
    return wanted, found


def _scanned_lately(visit: Visit, checkpoint: Checkpoint, recorded_at: datetime) -> bool:
    """Whether the visit has a scan of this checkpoint within REPEAT_WINDOW of recorded_at.

    In a sync batch the visit's scans are loaded once and the batch's own added to them.
    """
    batch = records.current_batch()
    if batch is None:
        return (
            db.session.scalar(
                sa.select(CheckpointScan.id).where(
                    CheckpointScan.visit_id == visit.id,
                    CheckpointScan.checkpoint_id == checkpoint.id,
                    CheckpointScan.recorded_at > recorded_at - REPEAT_WINDOW,
                    CheckpointScan.recorded_at < recorded_at + REPEAT_WINDOW,
                )
            )
            is not None
        )
    scans = _visit_scan_times(batch, visit.id)
    return any(
        checkpoint_id == checkpoint.id and abs(at - recorded_at) < REPEAT_WINDOW
        for checkpoint_id, at in scans
    )


def _visit_scan_times(batch, visit_id: int) -> list:
    key = "CheckpointScan.visit_id"
    if not batch.knows(key, visit_id):
        rows = db.session.execute(
            sa.select(CheckpointScan.checkpoint_id, CheckpointScan.recorded_at).where(
                CheckpointScan.visit_id == visit_id
            )
        ).all()
        batch.load(key, [visit_id], {visit_id: [tuple(row) for row in rows]})
    return batch.get(key, visit_id)


def checkpoint_for_token(token: str | None) -> Checkpoint:
    """The checkpoint whose sticker or tag carries this token, or whose short code was typed."""
    text = (token or "").strip()
    if not text:
        raise ValidationError(_("Kode titik kosong. Pindai stiker atau tag NFC."), "token")
    column, value = token_lookup(text)
    checkpoint = records.cached(
        f"Checkpoint.{column.key}",
        value,
        lambda: db.session.scalar(sa.select(Checkpoint).where(column == value)),
    )
    if checkpoint is None:
        raise ValidationError(_("Kode titik tidak dikenal."), "token")
    return checkpoint


def record_checkpoint_scan(
    officer_id: int,
    visit_uuid: str,
    token: str | None,
    uuid: str | None,
    recorded_at: datetime | None,
    gps: GpsFix | None,
    now: datetime | None = None,
) -> tuple[CheckpointScan, bool]:
    """Record a checkpoint scan in a visit; returns (scan, created). Same UUID: the existing one."""
    now = now or utcnow()
    client_uuid = records.client_uuid(uuid)
    existing = records.find_by_uuid(CheckpointScan, client_uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        return existing, False
    recorded_at = records.recorded_time(recorded_at, now)
    visit = visits.writable_visit(officer_id, visit_uuid, recorded_at)
    checkpoint = checkpoint_for_token(token)
    if checkpoint.zone_id != visit.zone_id:
        raise ValidationError(
            _(
                "Titik ini milik zona lain (%(zone)s), bukan zona kunjungan ini.",
                zone=checkpoint.zone.name,
            ),
            "token",
        )
    if not checkpoint.active:
        raise ValidationError(_("Titik ini sudah tidak aktif."), "token")
    if _scanned_lately(visit, checkpoint, recorded_at):
        raise ValidationError(
            _("%(name)s baru saja dipindai; pindaian ganda tidak dicatat.", name=checkpoint.name),
            "token",
        )
    scan = CheckpointScan(
        uuid=client_uuid,
        visit_id=visit.id,
        checkpoint_id=checkpoint.id,
        recorded_at=recorded_at,
        # Judged against a circle around the checkpoint: far means a photographed or
        # moved sticker.
        **positions.fix_columns(
            checkpoint_geometry(checkpoint), gps or GpsFix.missing(), outside_note=FAR_NOTE
        ),
    )
    scan, created = records.record_once(CheckpointScan, scan)
    batch = records.current_batch()
    if created and batch is not None:
        _visit_scan_times(batch, visit.id).append((checkpoint.id, recorded_at))
    return scan, created


def visit_scans(visit: Visit) -> list[CheckpointScan]:
    """A visit's checkpoint scans, newest first."""
    return list(
        db.session.scalars(
            sa.select(CheckpointScan)
            .options(joinedload(CheckpointScan.checkpoint))
            .where(CheckpointScan.visit_id == visit.id)
            .order_by(CheckpointScan.recorded_at.desc(), CheckpointScan.id.desc())
        )
    )


# Intervals, progress and misses: pure functions on plain values -------------------------


Span = tuple[datetime, datetime]


def windows(start: datetime, end: datetime, interval_minutes: int) -> list[Span]:
    """The intervals of a shift, from its start; the last one is cut at the shift's end."""
    step = timedelta(minutes=interval_minutes)
    result = []
    cursor = start
    while cursor < end:
        result.append((cursor, min(cursor + step, end)))
        cursor += step
    return result


def done_in_window(stops: list[int], ordered: bool, scans: list[tuple[int, datetime]]) -> list[int]:
    """Which stops count as done given the scans of one interval (time order matters if ordered)."""
    if not ordered:
        scanned = {cid for cid, _at in scans}
        return [cid for cid in stops if cid in scanned]
    done: list[int] = []
    for cid, _at in sorted(scans, key=lambda s: s[1]):
        if len(done) < len(stops) and cid == stops[len(done)]:
            done.append(cid)
    return done


def _by_window(
    scans: list[tuple[int, datetime]], shift_start: datetime, shift_end: datetime, minutes: int
) -> dict[int, list[tuple[int, datetime]]]:
    """The shift's scans by the index of their interval (see :func:`windows`), sorted into
    them once: filtering every scan again for each interval grew with their product."""
    step = timedelta(minutes=minutes)
    out: dict[int, list[tuple[int, datetime]]] = {}
    for cid, at in scans:
        if shift_start <= at < shift_end:
            out.setdefault((at - shift_start) // step, []).append((cid, at))
    return out


class Miss(NamedTuple):
    checkpoint_id: int
    window_start: datetime
    due_at: datetime


def misses(
    stops: list[int],
    interval_minutes: int,
    shift_start: datetime,
    shift_end: datetime,
    scans: list[tuple[int, datetime]],
    now: datetime,
) -> list[Miss]:
    """Checkpoints not scanned within a complete interval of the shift (order does not matter)."""
    by_window = _by_window(scans, shift_start, shift_end, interval_minutes)
    result = []
    for index, (start, end) in enumerate(windows(shift_start, shift_end, interval_minutes)):
        if end > now:
            break
        seen = {cid for cid, _at in by_window.get(index, [])}
        result += [Miss(cid, start, end) for cid in stops if cid not in seen]
    return result


def completed_rounds(
    stops: list[int],
    ordered: bool,
    interval_minutes: int,
    shift_start: datetime,
    shift_end: datetime,
    scans: list[tuple[int, datetime]],
    now: datetime,
) -> tuple[int, int]:
    """(rounds completed, rounds expected so far) in a shift: one round per interval."""
    completed = expected = 0
    by_window = _by_window(scans, shift_start, shift_end, interval_minutes)
    for index, (_start, end) in enumerate(windows(shift_start, shift_end, interval_minutes)):
        window_scans = by_window.get(index, [])
        is_complete = len(done_in_window(stops, ordered, window_scans)) == len(stops)
        if end <= now:
            expected += 1
            completed += is_complete
        elif is_complete:
            # An interval still running counts once its round is done.
            expected += 1
            completed += 1
    return completed, expected


# From the database -----------------------------------------------------------------------


def _officer_scans(
    officer_id: int, zone_id: int, start: datetime, end: datetime
) -> list[tuple[int, datetime]]:
    rows = db.session.execute(
        sa.select(CheckpointScan.checkpoint_id, CheckpointScan.recorded_at)
        .join(Visit, Visit.id == CheckpointScan.visit_id)
        .where(
            Visit.officer_id == officer_id,
            Visit.zone_id == zone_id,
            CheckpointScan.recorded_at >= start,
            CheckpointScan.recorded_at < end,
        )
    )
    return [(cid, at) for cid, at in rows]


def _stop_ids(patrol_round: PatrolRound) -> list[int]:
    return [s.checkpoint_id for s in patrol_round.stops if s.checkpoint.active]


def _shifts(since: datetime, until: datetime, zone_id: int | None = None) -> list[Assignment]:
    query = (
        sa.select(Assignment)
        .options(joinedload(Assignment.officer), joinedload(Assignment.zone))
        .where(Assignment.overlapping(since, until))
        .where(Assignment.zone_id.in_(sa.select(PatrolRound.zone_id).where(PatrolRound.active)))
    )
    if zone_id is not None:
        query = query.where(Assignment.zone_id == zone_id)
    return list(db.session.scalars(query.order_by(Assignment.starts_at, Assignment.id)))


# The shifts of a period with an active round, as plain rows (for counting).
_SHIFT_ROWS = (
    sa.select(
        Assignment.id,
        Assignment.officer_id,
        Assignment.zone_id,
        Assignment.starts_at,
        Assignment.ends_at,
    )
    .where(
        # Assignment.overlapping, with the bound as a parameter of its own.
        Assignment.starts_at < sa.bindparam("until"),
        Assignment.starts_at > sa.bindparam("earliest"),
        Assignment.ends_at > sa.bindparam("since"),
        Assignment.zone_id.in_(sa.select(PatrolRound.zone_id).where(PatrolRound.active)),
    )
    .order_by(Assignment.starts_at, Assignment.id)
)


@dataclass
class MissedCheckpoint:
    """A missed checkpoint in a shift (an alert), and its closure once an admin closed it."""

    assignment: Assignment
    patrol_round: PatrolRound
    checkpoint: Checkpoint
    window_start: datetime
    due_at: datetime
    closure: MissedCheckpointClosure | None = None

    @property
    def key(self) -> str:
        return f"{self.assignment.id}:{self.checkpoint.id}:{self.due_at.isoformat()}"


@dataclass
class _ShiftData:
    """What the misses and rounds of many shifts are computed from, each read in one query."""

    rounds: dict[int, list[PatrolRound]]
    scans: dict[tuple[int, int], list[tuple[int, datetime]]]
    closures: dict[int, list[MissedCheckpointClosure]]
    # The active checkpoints of each round, by round id.
    stop_ids: dict[int, list[int]] = field(default_factory=dict)

    def shift_scans(self, assignment) -> list[tuple[int, datetime]]:
        """The shift's officer's scans in the shift's zone during the shift."""
        start, end = assignment.starts_at, assignment.ends_at
        return [
            (cid, at)
            for cid, at in self.scans.get((assignment.officer_id, assignment.zone_id), [])
            if start <= at < end
        ]


def _active_rounds_by_zone(zone_ids) -> dict[int, list[PatrolRound]]:
    rounds: dict[int, list[PatrolRound]] = {}
    query = (
        sa.select(PatrolRound)
        .options(joinedload(PatrolRound.stops).joinedload(RoundStop.checkpoint))
        .where(PatrolRound.active, PatrolRound.zone_id.in_(zone_ids))
        .order_by(PatrolRound.name)
    )
    for patrol_round in db.session.scalars(query).unique():
        rounds.setdefault(patrol_round.zone_id, []).append(patrol_round)
    return rounds


# Visits asked for by id at most this many at a time (bound parameters per statement).
_OWNERS_CHUNK = 2000


def _visit_owners(visit_ids: list[int]):
    """(visit id, officer id, zone id) of the given visits: on PostgreSQL one query with
    the ids as one array (a list of 345 parameters took 6.8 ms to plan, the array 2.4);
    elsewhere one per 2 000 of them (a week's scans belong to a few hundred visits)."""
    if not visit_ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        ids = sa.bindparam("ids", visit_ids, type_=postgresql.ARRAY(sa.Integer))
        yield from db.session.execute(
            sa.select(Visit.id, Visit.officer_id, Visit.zone_id).where(Visit.id == sa.any_(ids))
        )
        return
    for first in range(0, len(visit_ids), _OWNERS_CHUNK):
        chunk = visit_ids[first : first + _OWNERS_CHUNK]
        yield from db.session.execute(
            sa.select(Visit.id, Visit.officer_id, Visit.zone_id).where(Visit.id.in_(chunk))
        )


def _shift_data(shifts: list, with_closures: bool = True) -> _ShiftData:
    """Rounds, scans and closures for a list of shifts: four queries however many shifts
    (one more per 2 000 visits with scans in the period, see :func:`_visit_owners`).

    The scans are read for the zones and the span the shifts cover, then handed to each
    shift by officer, zone and time (``shift_scans``).
    """
    if not shifts:
        return _ShiftData({}, {}, {})
    zone_ids = sorted({a.zone_id for a in shifts})
    officer_ids = sorted({a.officer_id for a in shifts})
    start = min(a.starts_at for a in shifts)
    end = max(a.ends_at for a in shifts)
    rounds = _active_rounds_by_zone(zone_ids)
    # Only the scans of the rounds' checkpoints matter; by checkpoint and time they are
    # read through their index.
    checkpoint_ids = sorted(
        {s.checkpoint_id for zone in rounds.values() for r in zone for s in r.stops}
    )
    scans: dict[tuple[int, int], list[tuple[int, datetime]]] = {}
    # The scans first, their visits' officer and zone second, by id: joined, PostgreSQL
    # hashed every visit ever made to find the week's few hundred (docs/benchmarks.md).
    by_visit: dict[int, list[tuple[int, datetime]]] = {}
    rows = db.session.execute(
        sa.select(
            CheckpointScan.visit_id, CheckpointScan.checkpoint_id, CheckpointScan.recorded_at
        ).where(
            CheckpointScan.checkpoint_id.in_(checkpoint_ids),
            CheckpointScan.recorded_at >= start,
            CheckpointScan.recorded_at < end,
        )
    )
    for visit_id, cid, at in rows:
        by_visit.setdefault(visit_id, []).append((cid, at))
    wanted = set(officer_ids)
    for visit_id, officer_id, zone_id in _visit_owners(sorted(by_visit)):
        if officer_id in wanted:
            scans.setdefault((officer_id, zone_id), []).extend(by_visit[visit_id])
    closures: dict[int, list[MissedCheckpointClosure]] = {}
    if with_closures:
        shift_ids = {a.id for a in shifts}
        query = (
            sa.select(MissedCheckpointClosure)
            .options(joinedload(MissedCheckpointClosure.closed_by))
            .join(Assignment, Assignment.id == MissedCheckpointClosure.assignment_id)
            .where(
                Assignment.zone_id.in_(zone_ids),
                Assignment.overlapping(start, end),
            )
        )
        for closure in db.session.scalars(query):
            if closure.assignment_id in shift_ids:
                closures.setdefault(closure.assignment_id, []).append(closure)
    stop_ids = {r.id: _stop_ids(r) for zone in rounds.values() for r in zone}
    return _ShiftData(rounds, scans, closures, stop_ids)


def _shift_miss_keys(
    assignment, data: _ShiftData, now: datetime
) -> dict[tuple[int, datetime], tuple[PatrolRound, Miss]]:
    """A shift's misses by (checkpoint, interval end), each with the round that missed it."""
    found: dict[tuple[int, datetime], tuple[PatrolRound, Miss]] = {}
    scans = data.shift_scans(assignment)
    for patrol_round in data.rounds.get(assignment.zone_id, []):
        for miss in misses(
            data.stop_ids[patrol_round.id],
            patrol_round.interval_minutes,
            assignment.starts_at,
            assignment.ends_at,
            scans,
            now,
        ):
            # A checkpoint in two rounds is one alert per interval end.
            found.setdefault((miss.checkpoint_id, miss.due_at), (patrol_round, miss))
    return found


def _misses_of(assignment: Assignment, data: _ShiftData, now: datetime) -> list[MissedCheckpoint]:
    found = {}
    for key, (patrol_round, miss) in _shift_miss_keys(assignment, data, now).items():
        checkpoint = next(
            s.checkpoint for s in patrol_round.stops if s.checkpoint_id == miss.checkpoint_id
        )
        found[key] = MissedCheckpoint(
            assignment, patrol_round, checkpoint, miss.window_start, miss.due_at
        )
    for closure in data.closures.get(assignment.id, []):
        item = found.get((closure.checkpoint_id, closure.due_at))
        if item is not None:
            item.closure = closure
    return sorted(found.values(), key=lambda m: (m.due_at, m.checkpoint.name))


def shift_misses(assignment: Assignment, now: datetime) -> list[MissedCheckpoint]:
    """Every missed checkpoint of one shift's active rounds up to now, with closures."""
    return _misses_of(assignment, _shift_data([assignment]), now)


def missed_checkpoints(
    since: datetime, until: datetime | None = None, zone_id: int | None = None
) -> list[MissedCheckpoint]:
    """Missed checkpoints of the shifts overlapping [since, until), open and closed.

    A fixed handful of queries however many shifts, rounds and scans the period holds.
    """
    until = until or utcnow()
    shifts = _shifts(since, until, zone_id)
    return _missed(shifts, _shift_data(shifts), since, until)


def _missed(
    shifts: list[Assignment], data: _ShiftData, since: datetime, until: datetime
) -> list[MissedCheckpoint]:
    result = []
    for assignment in shifts:
        result += [m for m in _misses_of(assignment, data, until) if m.due_at >= since]
    return result


def open_alerts(since: datetime, now: datetime | None = None) -> list[MissedCheckpoint]:
    """Missed-checkpoint alerts no admin has closed yet, newest first."""
    items = [m for m in missed_checkpoints(since, now) if m.closure is None]
    return sorted(items, key=lambda m: m.due_at, reverse=True)


def missed_per_zone(since: datetime, until: datetime | None = None) -> list[tuple[Zone, int]]:
    """Checkpoints missed per zone in a period (for the coverage report), most first."""
    until = until or utcnow()
    shifts = _shifts(since, until)
    return _per_zone(shifts, _shift_data(shifts, with_closures=False), since, until)


def _per_zone(
    shifts: list[Assignment], data: _ShiftData, since: datetime, until: datetime
) -> list[tuple[Zone, int]]:
    """Counted from each shift's miss keys: no alert objects are built for a number."""
    counts: dict[int, tuple[Zone, int]] = {}
    for assignment in shifts:
        n = sum(1 for key in _shift_miss_keys(assignment, data, until) if key[1] >= since)
        if n:
            zone = assignment.zone
            counts[zone.id] = (zone, counts.get(zone.id, (zone, 0))[1] + n)
    return sorted(counts.values(), key=lambda pair: (-pair[1], pair[0].name))


@dataclass
class ShiftRounds:
    """Rounds completed in one shift against the rounds expected so far."""

    assignment: Assignment
    patrol_round: PatrolRound
    completed: int
    expected: int


def rounds_per_shift(since: datetime, until: datetime | None = None) -> list[ShiftRounds]:
    """Rounds completed per shift and round in a period (for the coverage report).

    Three queries (shifts, their rounds, their scans) however many shifts the period holds.
    """
    until = until or utcnow()
    shifts = _shifts(since, until)
    return _rounds(shifts, _shift_data(shifts, with_closures=False), until)


def _rounds(shifts: list[Assignment], data: _ShiftData, until: datetime) -> list[ShiftRounds]:
    result = []
    for assignment in shifts:
        scans = data.shift_scans(assignment)
        for patrol_round in data.rounds.get(assignment.zone_id, []):
            completed, expected = completed_rounds(
                data.stop_ids[patrol_round.id],
                patrol_round.ordered,
                patrol_round.interval_minutes,
                assignment.starts_at,
                assignment.ends_at,
                scans,
                until,
            )
            result.append(ShiftRounds(assignment, patrol_round, completed, expected))
    return result


@dataclass
class RoundTotals:
    """One officer's rounds of one patrol round over a period: shifts, completed, expected."""

    officer: User
    zone: Zone
    patrol_round: PatrolRound
    shifts: int = 0
    completed: int = 0
    expected: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.completed / self.expected) if self.expected else None


def rounds_per_officer(rows: list[ShiftRounds]) -> list[RoundTotals]:
    """:func:`rounds_per_shift`'s rows added up per officer and round, the least completed
    first: the coverage report's table, as long as officers times rounds whatever the
    period (a row per shift made a year's report 8 000 rows long)."""
    totals: dict[tuple[int, int], RoundTotals] = {}
    for row in rows:
        key = (row.assignment.officer_id, row.patrol_round.id)
        item = totals.get(key)
        if item is None:
            item = totals[key] = RoundTotals(
                row.assignment.officer, row.assignment.zone, row.patrol_round
            )
        item.shifts += 1
        item.completed += row.completed
        item.expected += row.expected
    return sorted(
        totals.values(),
        key=lambda t: (
            t.percent if t.percent is not None else 101,
            t.officer.full_name,
            t.zone.name,
            t.patrol_round.name,
        ),
    )


def coverage(since: datetime, until: datetime) -> tuple[list[RoundTotals], list[tuple[Zone, int]]]:
    """The coverage report's two checkpoint tables, :func:`rounds_per_officer` and
    :func:`missed_per_zone`, from one reading of the period's shifts, rounds and scans."""
    shifts = _shifts(since, until)
    data = _shift_data(shifts, with_closures=False)
    rounds = rounds_per_officer(_rounds(shifts, data, until))
    return rounds, _per_zone(shifts, data, since, until)


def close_alert(
    actor_id: int,
    assignment_id: int,
    checkpoint_id: int,
    due_at: datetime,
    comment: str | None,
    now: datetime | None = None,
) -> MissedCheckpointClosure:
    """Close a missed-checkpoint alert; a comment saying why is required."""
    now = now or utcnow()
    text = (comment or "").strip()
    if not text:
        raise ValidationError(_("Tulis alasan sebelum menutup peringatan ini."), "comment")
    if len(text) > 1000:
        raise ValidationError(_("Komentar terlalu panjang (paling banyak 1000 huruf)."), "comment")
    assignment = (
        db.session.get(Assignment, assignment_id) if isinstance(assignment_id, int) else None
    )
    miss = None
    if assignment is not None:
        miss = next(
            (
                m
                for m in shift_misses(assignment, now)
                if m.checkpoint.id == checkpoint_id and m.due_at == due_at
            ),
            None,
        )
    if miss is None:
        raise ValidationError(_("Peringatan ini tidak ditemukan."), "alert")
    if miss.closure is not None:
        raise ValidationError(_("Peringatan ini sudah ditutup."), "alert")
    closure = MissedCheckpointClosure(
        assignment_id=assignment_id,
        checkpoint_id=checkpoint_id,
        due_at=due_at,
        comment=text,
        closed_by_id=actor_id,
        closed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(closure)
    except IntegrityError:
        raise ValidationError(_("Peringatan ini sudah ditutup."), "alert") from None
    record(
        actor_id,
        "close",
        "missed_checkpoint",
        f"{assignment_id}:{checkpoint_id}",
        None,
        {"due_at": due_at.isoformat(), "comment": text},
    )
    return closure


# The round's progress on the visit screen ------------------------------------------------


@dataclass
class StopProgress:
    checkpoint: Checkpoint
    scanned_at: datetime | None
    is_next: bool = False
    # Scanned, but before the stops that come first in an ordered round.
    out_of_order: bool = False


@dataclass
class RoundProgress:
    patrol_round: PatrolRound
    window_start: datetime
    due_at: datetime
    stops: list[StopProgress] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for s in self.stops if s.scanned_at is not None)


def round_progress(visit: Visit, now: datetime | None = None) -> list[RoundProgress]:
    """For each active round of the visit's zone: the current interval's done and due stops."""
    now = now or utcnow()
    at = min(now, visit.ended_at) if visit.ended_at else now
    if visit.assignment is not None:
        start, end = visit.assignment.starts_at, visit.assignment.ends_at
    else:
        start, end = visit.started_at, visit.started_at + timedelta(days=1)
    result = []
    for patrol_round in zone_rounds(visit.zone_id, active_only=True):
        stops = [s for s in patrol_round.stops if s.checkpoint.active]
        if not stops:
            continue
        spans = windows(start, max(end, at + timedelta(seconds=1)), patrol_round.interval_minutes)
        window_start, due_at = next(
            ((a, b) for a, b in spans if a <= at < b), (start, start + timedelta(minutes=1))
        )
        scans = _officer_scans(visit.officer_id, visit.zone_id, window_start, due_at)
        in_order = done_in_window([s.checkpoint_id for s in stops], patrol_round.ordered, scans)
        first_at: dict[int, datetime] = {}
        for cid, scanned in sorted(scans, key=lambda s: s[1]):
            first_at.setdefault(cid, scanned)
        progress = RoundProgress(patrol_round, window_start, due_at)
        next_marked = False
        for stop in stops:
            scanned_at = first_at.get(stop.checkpoint_id)
            is_next = patrol_round.ordered and scanned_at is None and not next_marked
            next_marked = next_marked or is_next
            progress.stops.append(
                StopProgress(
                    stop.checkpoint,
                    scanned_at,
                    is_next,
                    out_of_order=scanned_at is not None and stop.checkpoint_id not in in_order,
                )
            )
        result.append(progress)
    return result


def zones_with_checkpoints() -> list[tuple[Zone, int, int]]:
    """Every zone with its number of checkpoints and of rounds, for the admin's list."""
    checkpoints = dict(
        db.session.execute(
            sa.select(Checkpoint.zone_id, sa.func.count()).group_by(Checkpoint.zone_id)
        ).all()
    )
    rounds = dict(
        db.session.execute(
            sa.select(PatrolRound.zone_id, sa.func.count()).group_by(PatrolRound.zone_id)
        ).all()
    )
    zones = db.session.scalars(sa.select(Zone).order_by(Zone.active.desc(), Zone.name))
    return [(z, checkpoints.get(z.id, 0), rounds.get(z.id, 0)) for z in zones]


def visit_panel(visit: Visit) -> dict:
    """What the visit screen's round card shows: progress per round and the visit's scans."""
    return {
        "rounds": round_progress(visit),
        "scans": visit_scans(visit),
        "has_checkpoints": bool(zone_checkpoints(visit.zone_id, active_only=True)),
        "new_uuid": str(uuid.uuid4()),
    }


def open_alert_count(now: datetime, days: int = 7) -> int:
    """How many missed-checkpoint alerts of the last days are still open (for dashboards).

    The number of :func:`open_alerts`, counted from the shifts' plain rows: no shift, alert
    or officer objects are built for a number (a year's city has ~150 shifts a week).
    """
    since = now - timedelta(days=days)
    shifts = db.session.execute(
        _SHIFT_ROWS, {"since": since, "until": now, "earliest": since - MAX_SHIFT}
    ).all()
    data = _shift_data(shifts)
    count = 0
    for shift in shifts:
        due = {key for key in _shift_miss_keys(shift, data, now) if key[1] >= since}
        closed = {(c.checkpoint_id, c.due_at) for c in data.closures.get(shift.id, [])}
        count += len(due - closed)
    return count
