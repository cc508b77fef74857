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

from patrol.extensions import db
from patrol.models import CheckpointScan, CrowdCount, Violation, Visit
from patrol.services import entries, offenders, positions, records, visits
from patrol.services.errors import ValidationError
from patrol.timeutil import utcnow

MAX_RECORDS = 500
KINDS = ("visit_start", "violation", "crowd_count", "checkpoint_scan", "visit_end")
# At one instant a visit starts before its entries, and ends after them.
_KIND_ORDER = {
    "visit_start": 0,
    "violation": 1,
    "crowd_count": 1,
    "checkpoint_scan": 1,
    "visit_end": 2,
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


def parse_time(value) -> datetime:
    """An ISO 8601 time with its zone (``2026-11-27T03:15:00.000Z``), as an aware datetime."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            _("Waktu pencatatan (recorded_at) wajib diisi dalam format ISO 8601."), "recorded_at"
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            _("Waktu pencatatan (recorded_at) bukan waktu ISO 8601 yang sah."), "recorded_at"
        ) from None
    if parsed.tzinfo is None:
        raise ValidationError(_("Waktu harus menyertakan zona waktu."), "recorded_at")
    return parsed


def _client_uuid(record: dict) -> str:
    value = record.get("uuid")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Kode entri (UUID) wajib diisi."), "uuid")
    return records.client_uuid(value)


def _gps(record: dict) -> positions.Gps:
    return positions.parse_gps(
        record.get("lat"), record.get("lon"), record.get("accuracy_m"), record.get("gps_error")
    )


def _visit_uuid(record: dict) -> str:
    value = record.get("visit_uuid")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Kunjungan (visit_uuid) wajib diisi."), "visit_uuid")
    return value.strip().lower()


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


def _same_gps(gps: positions.Gps, lat, lon, accuracy) -> bool:
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
    """The stored record with this client UUID, if any."""
    return db.session.scalar(sa.select(model).where(model.uuid == uuid))


def _visit_start(officer_id: int, record: dict, uuid: str, at: datetime, now: datetime) -> int:
    """A visit started on the phone (its UUID is the visit's)."""
    gps = _gps(record)
    existing = _existing_entry(Visit, uuid)
    if existing is not None:
        visits.own_visit(existing, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "zone_id": _same_int(record.get("zone_id"), existing.zone_id),
                    "recorded_at": _same_time(at, existing.started_at),
                    "gps": _same_gps(
                        gps, existing.start_lat, existing.start_lon, existing.start_accuracy_m
                    ),
                }
            ),
        )
    zone_id = record.get("zone_id")
    if isinstance(zone_id, bool) or not isinstance(zone_id, int):
        raise ValidationError(_("Zona tidak dikenal atau tidak aktif."), "zone_id")
    visit = visits.start_visit(officer_id, zone_id, uuid, gps, started_at=at, now=now)
    return visit.id


def _visit_end(officer_id: int, record: dict, uuid: str, at: datetime, now: datetime) -> int:
    """A visit ended on the phone (its own UUID, the visit's in visit_uuid)."""
    gps = _gps(record)
    existing = db.session.scalar(sa.select(Visit).where(Visit.end_uuid == uuid))
    if existing is not None:
        visits.own_visit(existing, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "visit_uuid": record.get("visit_uuid") == existing.uuid,
                    "recorded_at": _same_time(at, existing.ended_at),
                    "gps": _same_gps(
                        gps, existing.end_lat, existing.end_lon, existing.end_accuracy_m
                    ),
                }
            ),
        )
    visit = visits.end_visit(
        officer_id, _visit_uuid(record), gps, end_uuid=uuid, ended_at=at, now=now
    )
    return visit.id


def _violation(officer_id: int, record: dict, uuid: str, at: datetime, now: datetime) -> int:
    """A violation in a visit, with the category and action codes."""
    gps = _gps(record)
    existing = _existing_entry(Violation, uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        checks = {
            "visit_uuid": record.get("visit_uuid") == existing.visit.uuid,
            "recorded_at": _same_time(at, existing.recorded_at),
            "category": record.get("category") == existing.category.code,
            "action": record.get("action") == existing.action.code,
            "people_count": _same_int(record.get("people_count", 1), existing.people_count),
            "gps": _same_gps(gps, existing.lat, existing.lon, existing.accuracy_m),
        }
        if record.get("fine_amount") not in (None, ""):
            checks["fine_amount"] = _same_int(record["fine_amount"], existing.fine_amount)
        for name in ("offender_name", "notes"):
            if record.get(name) not in (None, ""):
                checks[name] = _same_text(record[name], getattr(existing, name))
        if record.get("offender_nik") not in (None, ""):
            try:
                nik = offenders.normalise_nik(record["offender_nik"])
                checks["offender_nik"] = offenders.nik_hash(nik) == existing.nik_hash
            except ValidationError:
                checks["offender_nik"] = False
        raise _known(uuid, existing.id, _differences(checks))
    entry, created = entries.log_violation(
        officer_id,
        _visit_uuid(record),
        uuid,
        category=record.get("category"),
        action=record.get("action"),
        people_count=record.get("people_count", 1),
        fine_amount=record.get("fine_amount"),
        offender_name=_optional_text(record, "offender_name"),
        offender_nik=_optional_text(record, "offender_nik"),
        notes=_optional_text(record, "notes"),
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


def _crowd_count(officer_id: int, record: dict, uuid: str, at: datetime, now: datetime) -> int:
    """A headcount in a visit."""
    gps = _gps(record)
    existing = _existing_entry(CrowdCount, uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "visit_uuid": record.get("visit_uuid") == existing.visit.uuid,
                    "recorded_at": _same_time(at, existing.recorded_at),
                    "headcount": _same_int(record.get("headcount"), existing.headcount),
                    "gps": _same_gps(gps, existing.lat, existing.lon, existing.accuracy_m),
                }
            ),
        )
    entry, created = entries.log_crowd_count(
        officer_id,
        _visit_uuid(record),
        uuid,
        record.get("headcount"),
        gps=gps,
        recorded_at=at,
        now=now,
    )
    return _first_or_duplicate(uuid, entry.id, created)


def _checkpoint_scan(officer_id: int, record: dict, uuid: str, at: datetime, now: datetime) -> int:
    """A checkpoint's QR code or NFC tag scanned during a visit."""
    from patrol.services import checkpoints

    gps = _gps(record)
    existing = _existing_entry(CheckpointScan, uuid)
    if existing is not None:
        visits.own_visit(existing.visit, officer_id)
        raise _known(
            uuid,
            existing.id,
            _differences(
                {
                    "visit_uuid": record.get("visit_uuid") == existing.visit.uuid,
                    "recorded_at": _same_time(at, existing.recorded_at),
                    "token": record.get("token") == existing.checkpoint.token,
                    "gps": _same_gps(gps, existing.lat, existing.lon, existing.accuracy_m),
                }
            ),
        )
    token = record.get("token")
    if token is not None and not isinstance(token, str):
        raise ValidationError(_("Isian %(name)s harus berupa teks.", name="token"), "token")
    scan, created = checkpoints.record_checkpoint_scan(
        officer_id, _visit_uuid(record), token, uuid, at, gps, now=now
    )
    return _first_or_duplicate(uuid, scan.id, created)


def _optional_text(record: dict, name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValidationError(_("Isian %(name)s harus berupa teks.", name=name), name)


_HANDLERS = {
    "visit_start": _visit_start,
    "visit_end": _visit_end,
    "violation": _violation,
    "crowd_count": _crowd_count,
    "checkpoint_scan": _checkpoint_scan,
}


# The batch ------------------------------------------------------------------------------


def _apply(officer_id: int, record, now: datetime) -> Result:
    """Apply one record inside a savepoint; never raises for bad input."""
    uuid = record.get("uuid") if isinstance(record, dict) else None
    uuid = uuid if isinstance(uuid, str) else None
    try:
        if not isinstance(record, dict):
            raise ValidationError(_("Setiap catatan harus berupa objek JSON."), "records")
        uuid = _client_uuid(record)
        kind = record.get("kind")
        if not isinstance(kind, str) or kind not in _HANDLERS:
            raise ValidationError(_("Jenis catatan (kind) tidak dikenal."), "kind")
        at = parse_time(record.get("recorded_at"))
        with db.session.begin_nested():
            entry_id = _HANDLERS[kind](officer_id, record, uuid, at, now)
    except _Known as known:
        return known.result
    except ValidationError as error:
        return Result(uuid, "rejected", error=error.message, field=error.field)
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
        try:
            at = parse_time(record.get("recorded_at")) if isinstance(record, dict) else None
        except ValidationError:
            at = None
        times.append(at)
        if at is not None and record.get("kind") == "visit_start":
            key = str(record.get("uuid") or "").strip().lower()
            starts[key] = min(at, starts.get(key, at))

    def key(index: int):
        record, at = records[index], times[index]
        if at is None:
            return (1, datetime.max.replace(tzinfo=None), 3, index)
        kind = record.get("kind")
        kind = kind if isinstance(kind, str) else ""  # a list or object here is rejected later
        start = starts.get(str(record.get("visit_uuid") or "").strip().lower())
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
    for index in _order(records):
        results[index] = _apply(officer_id, records[index], now)
    db.session.flush()
    return [r for r in results if r is not None]
