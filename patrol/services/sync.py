"""Offline sync: a batch of entries made on a phone without signal, applied exactly once.

Each record goes through the same functions as the web forms (``services.visits`` and
``services.entries``), so the geofence verdict, validation and ownership rules are the same.
Every record runs inside a savepoint: one bad record is rejected and the rest still go in.
The caller commits once.

Statuses per record: ``created``; ``duplicate`` (its UUID is known and what came in matches
what is stored, nothing new is written); ``conflict`` (its UUID is known but what came in
differs); ``rejected`` (invalid, with the reason in Bahasa Indonesia).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.api import MAX_RECORDS
from patrol.inputs.field import (
    RECORD_KINDS,
    CheckpointScanRecord,
    CrowdCountRecord,
    GpsFix,
    InVisit,
    ViolationRecord,
    VisitEndRecord,
    VisitStartRecord,
)
from patrol.inputs.types import AwareTime
from patrol.models import (
    CheckpointScan,
    CrowdCount,
    Violation,
    ViolationAction,
    ViolationCategory,
    Visit,
    Zone,
)
from patrol.rules.timeutil import utcnow
from patrol.services import complaints, entries, offenders, records, visits
from patrol.services.errors import ValidationError
from patrol.services.records import batch as record_batch

KINDS = tuple(RECORD_KINDS)
# At one instant a visit starts before its entries, and ends after them.
_KIND_ORDER = {
    "visit_start": 0,
    "complaint_accept": 0,
    "violation": 1,
    "crowd_count": 1,
    "checkpoint_scan": 1,
    "visit_end": 2,
    "complaint_close": 2,
}
# A form that reached the server although its answer was lost is stored with the server's
# clock; the phone then replays it with its own. Times this close count as the same entry.
TIME_TOLERANCE = records.CLOCK_SKEW


@dataclass
class Result:
    """What happened to one record; ``as_dict`` is what the API answers."""

    uuid: str | None
    status: str
    id: int | None = None
    error: str | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        out: dict = {"uuid": self.uuid, "status": self.status}
        if self.id is not None:
            out["id"] = self.id
        if self.error is not None:
            out["error"] = self.error
        if self.field is not None:
            out["field"] = self.field
        return out


class _Known(Exception):
    """The record's UUID is already stored: a duplicate or a conflict, not a new row."""

    def __init__(self, result: Result):
        super().__init__(result.status)
        self.result = result


def _visit_uuid(record: InVisit) -> str:
    return record.visit_uuid


# Comparing what came in with what is stored ---------------------------------------------


def _same_number(sent, stored) -> bool:
    try:
        return math.isclose(float(sent), float(stored), rel_tol=0, abs_tol=1e-9)
    except (TypeError, ValueError):
        return False


def _same_int(sent, stored) -> bool:
    if isinstance(sent, bool):
        return False
    try:
        return int(str(sent).strip().replace(".", "")) == stored
    except (TypeError, ValueError):
        return False


def _same_text(sent, stored) -> bool:
    return ((sent or "").strip() if isinstance(sent, str) else sent) == (stored or "")


def _same_time(sent: datetime, stored: datetime | None) -> bool:
    return stored is not None and abs(sent - stored) <= TIME_TOLERANCE


def _same_gps(gps: GpsFix, lat, lon, accuracy) -> bool:
    """Only the position that came in is compared; no fix sent matches no fix stored."""
    if gps.lat is None:
        return lat is None
    if lat is None or not (_same_number(gps.lat, lat) and _same_number(gps.lon, lon)):
        return False
    return gps.accuracy_m is None or _same_number(gps.accuracy_m, accuracy)


def _differences(checks: dict[str, bool]) -> list[str]:
    return [name for name, same in checks.items() if not same]


def _known(uuid: str, entry_id: int, different: list[str]) -> _Known:
    if not different:
        return _Known(Result(uuid, "duplicate", id=entry_id))
    message = _(
        "Kode entri ini sudah tersimpan dengan isi berbeda (%(fields)s).",
        fields=", ".join(different),
    )
    return _Known(Result(uuid, "conflict", id=entry_id, error=message))


# One record per kind ---------------------------------------------------------------------


def _existing_entry(model, uuid: str):
    """The stored record with this client UUID, if any (from the batch's look-ups)."""
    return records.find_by_uuid(model, uuid)


def _visit_start(
    officer_id: int, record: VisitStartRecord, uuid: str, at: datetime, now: datetime
) -> int:
    """A visit started on the phone (its UUID is the visit's)."""
    gps = record.gps
    existing = _existing_entry(Visit, uuid)
    if existing is not None:
        visits.own_visit(existing, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "zone_id": record.zone_id == existing.zone_id,
                    "recorded_at": _same_time(at, existing.started_at),
                    "gps": _same_gps(
                        gps, existing.start_lat, existing.start_lon, existing.start_accuracy_m
                    ),
                }
            ),
        )
    if record.zone_id is None:
        raise ValidationError(_("Zona tidak dikenal atau tidak aktif."), "zone_id")
    visit = visits.start_visit(officer_id, record.zone_id, uuid, gps, started_at=at, now=now)
    return visit.id


def _visit_end(
    officer_id: int, record: VisitEndRecord, uuid: str, at: datetime, now: datetime
) -> int:
    """A visit ended on the phone (its own UUID, the visit's in visit_uuid); one answering a
    complaint closes it with the record's result (the rule is in services/complaints.py)."""
    gps = record.gps
    existing = db.session.scalar(sa.select(Visit).where(Visit.end_uuid == uuid))
    if existing is not None:
        visits.own_visit(existing, officer_id)
        checks = {
            "visit_uuid": record.visit_uuid == existing.uuid,
            "recorded_at": _same_time(at, existing.ended_at),
            "gps": _same_gps(gps, existing.end_lat, existing.end_lon, existing.end_accuracy_m),
        }
        answered = complaints.for_visit(existing.id)
        if record.result not in (None, "") and answered is not None:
            checks["result"] = _same_text(record.result, answered.resolution)
        raise _known(uuid, existing.id, _differences(checks))
    visit = complaints.end_visit(
        officer_id, _visit_uuid(record), gps, record.result, end_uuid=uuid, at=at, now=now
    )
    return visit.id


def _violation(
    officer_id: int, record: ViolationRecord, uuid: str, at: datetime, now: datetime
) -> int:
    """A violation in a visit, with the category and action codes."""
    gps = record.gps
    existing = _existing_entry(Violation, uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        checks = {
            "visit_uuid": record.visit_uuid == existing.visit.uuid,
            "recorded_at": _same_time(at, existing.recorded_at),
            "category": record.category == existing.category.code,
            "action": record.action == existing.action.code,
            "people_count": _same_int(record.people_count, existing.people_count),
            "gps": _same_gps(gps, existing.lat, existing.lon, existing.accuracy_m),
        }
        if record.fine_amount is not None:
            checks["fine_amount"] = _same_int(record.fine_amount, existing.fine_amount)
        for name in ("offender_name", "notes"):
            if getattr(record, name) not in (None, ""):
                checks[name] = _same_text(getattr(record, name), getattr(existing, name))
        if record.offender_nik not in (None, ""):
            try:
                nik = offenders.normalise_nik(record.offender_nik)
                checks["offender_nik"] = offenders.nik_hash(nik) == existing.nik_hash
            except ValidationError:
                checks["offender_nik"] = False
        raise _known(uuid, existing.id, _differences(checks))
    entry, created = entries.log_violation(
        officer_id,
        _visit_uuid(record),
        uuid,
        category=record.category,
        action=record.action,
        people_count=record.people_count,
        fine_amount=record.fine_amount,
        offender_name=record.offender_name,
        offender_nik=record.offender_nik,
        notes=record.notes,
        gps=gps,
        recorded_at=at,
        now=now,
    )
    return _first_or_duplicate(uuid, entry.id, created)


def _first_or_duplicate(uuid: str, entry_id: int, created: bool) -> int:
    """A retry racing this one stored the entry first: this one is its duplicate."""
    if not created:
        raise _Known(Result(uuid, "duplicate", id=entry_id))
    return entry_id


def _crowd_count(
    officer_id: int, record: CrowdCountRecord, uuid: str, at: datetime, now: datetime
) -> int:
    """A headcount in a visit."""
    gps = record.gps
    existing = _existing_entry(CrowdCount, uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "visit_uuid": record.visit_uuid == existing.visit.uuid,
                    "recorded_at": _same_time(at, existing.recorded_at),
                    "headcount": _same_int(record.headcount, existing.headcount),
                    "gps": _same_gps(gps, existing.lat, existing.lon, existing.accuracy_m),
                }
            ),
        )
    entry, created = entries.log_crowd_count(
        officer_id,
        _visit_uuid(record),
        uuid,
        record.headcount,
        gps=gps,
        recorded_at=at,
        now=now,
    )
    return _first_or_duplicate(uuid, entry.id, created)


def _checkpoint_scan(
    officer_id: int, record: CheckpointScanRecord, uuid: str, at: datetime, now: datetime
) -> int:
    """A checkpoint's QR code or NFC tag scanned during a visit."""
    from patrol.services import checkpoints

    gps = record.gps
    existing = _existing_entry(CheckpointScan, uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "visit_uuid": record.visit_uuid == existing.visit.uuid,
                    "recorded_at": _same_time(at, existing.recorded_at),
                    "token": record.token == existing.checkpoint.token,
                    "gps": _same_gps(gps, existing.lat, existing.lon, existing.accuracy_m),
                }
            ),
        )
    scan, created = checkpoints.record_checkpoint_scan(
        officer_id, _visit_uuid(record), record.token, uuid, at, gps, now=now
    )
    return _first_or_duplicate(uuid, scan.id, created)


def _complaint_record(handler):
    """A complaint record, handled in services/complaints.py; a replay is a duplicate."""

    def apply(officer_id: int, record, uuid: str, at: datetime, now: datetime) -> int:
        entry_id, created = handler(officer_id, record, uuid, at, now)
        return _first_or_duplicate(uuid, entry_id, created)

    return apply


_HANDLERS = {
    "visit_start": _visit_start,
    "visit_end": _visit_end,
    "violation": _violation,
    "crowd_count": _crowd_count,
    "checkpoint_scan": _checkpoint_scan,
    "complaint_accept": _complaint_record(complaints.sync_accept),
    "complaint_close": _complaint_record(complaints.sync_close),
}
_TIME = TypeAdapter(AwareTime)


def _time_of(record) -> datetime | None:
    """A record's time when it can be read (for ordering only; checked again when applied)."""
    if not isinstance(record, dict):
        return None
    try:
        return _TIME.validate_python(record.get("recorded_at"))
    except (PydanticError, ValueError):
        return None


def _text_key(value) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


# The batch ------------------------------------------------------------------------------


@dataclass
class _Parsed:
    """A record read before the batch is applied: its kind and fields, or why it is bad."""

    uuid: str | None
    kind: str | None = None
    record: object = None
    error: ValidationError | None = None


def _parse(record) -> _Parsed:
    uuid = record.get("uuid") if isinstance(record, dict) else None
    uuid = uuid if isinstance(uuid, str) else None
    try:
        if not isinstance(record, dict):
            raise ValidationError(_("Setiap catatan harus berupa objek JSON."), "records")
        kind = record.get("kind")
        model = RECORD_KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            raise ValidationError(_("Jenis catatan (kind) tidak dikenal."), "kind")
        parsed = parse(model, record)
    except ValidationError as error:
        return _Parsed(uuid, error=error)
    return _Parsed(parsed.uuid, kind, parsed)


_ENTRY_MODELS = {
    "violation": Violation,
    "crowd_count": CrowdCount,
    "checkpoint_scan": CheckpointScan,
}


def _preload(batch: records.Batch, parsed: list[_Parsed]) -> None:
    """Load once what the batch's records look up one by one: a few statements per batch.

    The visits (by the records' own and their visit UUIDs) and their zones, the entries
    already stored under the records' UUIDs, the categories, actions and checkpoints named.
    """
    good = [p.record for p in parsed if p.record is not None]
    visit_keys = {r.uuid for r in good if r.kind in ("visit_start", "complaint_accept")}
    visit_keys |= {visits.visit_key(r.visit_uuid) for r in good if isinstance(r, InVisit)}
    zone_ids = {r.zone_id for r in good if r.kind == "visit_start" and isinstance(r.zone_id, int)}
    if visit_keys:
        found = db.session.scalars(sa.select(Visit).where(Visit.uuid.in_(visit_keys))).all()
        batch.load("Visit", visit_keys, {v.uuid: v for v in found})
        zone_ids |= {v.zone_id for v in found}
    if zone_ids:
        # Held by the batch, so that visit.zone and session.get find them without a query.
        zones = db.session.scalars(sa.select(Zone).where(Zone.id.in_(zone_ids))).all()
        batch.load("Zone", zone_ids, {z.id: z for z in zones})
    for kind, model in _ENTRY_MODELS.items():
        uuids = {r.uuid for r in good if r.kind == kind}
        if uuids:
            stored = db.session.scalars(sa.select(model).where(model.uuid.in_(uuids))).all()
            batch.load(model.__name__, uuids, {row.uuid: row for row in stored})
    violations = [r for r in good if r.kind == "violation"]
    for model, name in ((ViolationCategory, "category"), (ViolationAction, "action")):
        codes = {(getattr(r, name) or "").strip() for r in violations}
        if codes:
            batch.load(f"{model.__name__}.code", codes, entries.active_by_code(model, codes))
    tokens = [r.token for r in good if r.kind == "checkpoint_scan"]
    if tokens:
        from patrol.services import checkpoints

        wanted, found = checkpoints.checkpoints_by_token(tokens)
        for column, values in wanted.items():
            batch.load(f"Checkpoint.{column}", values, found[column])


def _raced(officer_id: int, raced: records.Raced, batch: records.Batch) -> Result:
    """Another submission stored this UUID between the look-up and the insert."""
    model, uuid = raced.model, raced.uuid
    existing = db.session.scalar(sa.select(model).where(model.uuid == uuid))
    if existing is None:
        raise raced.__cause__ or raced
    batch.load(model.__name__, [uuid], {uuid: existing})
    if model is Visit and existing.officer_id != officer_id:
        return Result(uuid, "rejected", error=_("Kunjungan ini milik petugas lain."), field="uuid")
    return Result(uuid, "duplicate", id=existing.id)


def _apply(officer_id: int, item: _Parsed, now: datetime, batch: records.Batch) -> Result:
    """Apply one record inside a savepoint; never raises for bad input."""
    if item.error is not None:
        return Result(item.uuid, "rejected", error=item.error.message, field=item.error.field)
    parsed, uuid = item.record, item.uuid
    try:
        with db.session.begin_nested():
            entry_id = _HANDLERS[item.kind](officer_id, parsed, uuid, parsed.recorded_at, now)
    except records.Raced as raced:
        batch.forget()
        return _raced(officer_id, raced, batch)
    except _Known as known:
        batch.forget()
        return known.result
    except ValidationError as error:
        batch.forget()
        return Result(uuid, "rejected", error=error.message, field=error.field)
    except BaseException:
        batch.forget()
        raise
    batch.keep()
    return Result(uuid, "created", id=entry_id)


def _order(records: list) -> list[int]:
    """Indexes in the order to apply: by the time things happened, each visit's start first.

    An entry or end that names a visit started in the same batch never goes before that
    start, even when the phone's times put it a moment earlier. Records whose time cannot
    be read go last (they are rejected anyway).
    """
    starts: dict[str, datetime] = {}
    times: list[datetime | None] = []
    for record in records:
        at = _time_of(record)
        times.append(at)
        if at is not None and record.get("kind") in ("visit_start", "complaint_accept"):
            key = _text_key(record.get("uuid"))
            starts[key] = min(at, starts.get(key, at))

    def key(index: int):
        record, at = records[index], times[index]
        if at is None:
            return (1, datetime.max.replace(tzinfo=None), 3, index)
        kind = record.get("kind")
        kind = kind if isinstance(kind, str) else ""  # a list or object here is rejected later
        start = starts.get(_text_key(record.get("visit_uuid")))
        if kind != "visit_start" and start is not None and start > at:
            at = start
        return (
            0,
            at.astimezone(timezone.utc).replace(tzinfo=None),
            _KIND_ORDER.get(kind, 1),
            index,
        )

    return sorted(range(len(records)), key=key)


def sync(officer_id: int, records: list, now: datetime | None = None) -> list[Result]:
    """Apply an officer's offline records; one result per record, in the order they came."""
    if len(records) > MAX_RECORDS:
        raise ValidationError(
            _("Paling banyak %(n)d catatan per kiriman.", n=MAX_RECORDS), "records"
        )
    now = now or utcnow()
    results: list[Result | None] = [None] * len(records)
    parsed = [_parse(record) for record in records]
    with record_batch() as batch:
        _preload(batch, parsed)
        for index in _order(records):
            results[index] = _apply(officer_id, parsed[index], now, batch)
    db.session.flush()
    return [r for r in results if r is not None]
