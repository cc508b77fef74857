"""What an officer logs in a visit: violations and crowd counts, and the visit's timeline.

Every function takes plain values (codes, not ids; UUIDs chosen by the client; times
given by the caller), so that the web forms and the offline sync API call the same code.
Functions add and flush; the caller commits once. Bad input raises ValidationError and
leaves nothing behind in the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import CrowdCount, Violation, ViolationAction, ViolationCategory, Visit
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import utcnow
from patrol.services import records
from patrol.services.audit import record
from patrol.services.errors import ValidationError
from patrol.services.offenders import nik_hash, normalise_nik
from patrol.services.photos import save_photo
from patrol.services.positions import gps_columns
from patrol.services.visits import own_visit, writable_visit

MAX_COUNT = 10_000
EDIT_WINDOW = timedelta(minutes=15)


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


# The violation form's choices and the look-ups of a chosen code: built once, as every
# violation POST asks them (docs/decisions.md: statements built once).
_ACTIVE = {
    model: sa.select(model).where(model.active).order_by(model.sort_order, model.id)
    for model in (ViolationCategory, ViolationAction)
}
_ACTIVE_CODE = {
    model: sa.select(model).where(model.code == sa.bindparam("code"), model.active)
    for model in (ViolationCategory, ViolationAction)
}


def categories() -> list[ViolationCategory]:
    """Active violation categories, in the admin's order."""
    return list(db.session.scalars(_ACTIVE[ViolationCategory]))


def actions() -> list[ViolationAction]:
    """Active actions, in the admin's order."""
    return list(db.session.scalars(_ACTIVE[ViolationAction]))


def active_by_code(model, codes) -> dict:
    """Active categories or actions by code, in one statement (a sync batch's look-up)."""
    rows = db.session.scalars(sa.select(model).where(model.code.in_(codes), model.active))
    return {row.code: row for row in rows}


def known_choices(categories: list, actions: list) -> dict:
    """The look-ups of a chosen code answered by the lists of active categories and
    actions (``categories()``, ``actions()``), for ``records.known``."""
    return {(f"{type(row).__name__}.code", row.code): row for row in (*categories, *actions)}


def _active(model, code: str | None):
    key = (code or "").strip()
    return records.cached(
        f"{model.__name__}.code",
        key,
        lambda: db.session.scalar(_ACTIVE_CODE[model], {"code": key}),
    )


def _category(code: str | None) -> ViolationCategory:
    category = _active(ViolationCategory, code)
    if category is None:
        message = (
            _("Pilih jenis pelanggaran.") if not code else _("Jenis pelanggaran tidak dikenal.")
        )
        raise ValidationError(message, "category")
    return category


def _action(code: str | None) -> ViolationAction:
    action = _active(ViolationAction, code)
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
    gps: GpsFix | None = None,
    recorded_at: datetime | None = None,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> tuple[Violation, bool]:
    """Record a violation in a visit; returns (violation, created). Same UUID: the existing one."""
    now = now or utcnow()
    client_uuid = records.client_uuid(uuid)
    existing = records.find_by_uuid(Violation, client_uuid)
    if existing is not None:
        own_visit(existing.visit, officer_id)
        return existing, False
    recorded_at = records.recorded_time(recorded_at, now)
    visit = writable_visit(officer_id, visit_uuid, recorded_at)
    category_row = _category(category)
    action_row = _action(action)
    count = parse_count(people_count, "people_count", 1, _("Jumlah orang"))
    fine = _fine(action_row, fine_amount)
    name = _text(offender_name, 120, "offender_name", _("Nama pelanggar"))
    nik = normalise_nik(offender_nik)
    note_text = _text(notes, 2000, "notes", _("Catatan"))
    fix = gps_columns(visit.zone, gps or GpsFix.missing())
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
    return records.record_once(Violation, violation)


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
    gps: GpsFix | None = None,
    recorded_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[CrowdCount, bool]:
    """Record a headcount in a visit with its level; returns (count, created)."""
    now = now or utcnow()
    client_uuid = records.client_uuid(uuid)
    existing = records.find_by_uuid(CrowdCount, client_uuid)
    if existing is not None:
        own_visit(existing.visit, officer_id)
        return existing, False
    recorded_at = records.recorded_time(recorded_at, now)
    visit = writable_visit(officer_id, visit_uuid, recorded_at)
    count = parse_count(headcount, "headcount", 0, _("Jumlah pengunjung"))
    fix = gps_columns(visit.zone, gps or GpsFix.missing())
    crowd = CrowdCount(
        uuid=client_uuid,
        visit_id=visit.id,
        zone_id=visit.zone_id,
        recorded_at=recorded_at,
        headcount=count,
        level=level_for(count, visit.zone.capacity),
        **fix,
    )
    return records.record_once(CrowdCount, crowd)


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


_RETURNED = (
    sa.select(Violation)
    .join(Visit, Visit.id == Violation.visit_id)
    .options(joinedload(Violation.category), joinedload(Violation.visit).joinedload(Visit.zone))
    .where(
        Visit.officer_id == sa.bindparam("officer_id"),
        Violation.review_outcome == "returned",
        Violation.withdrawn_at.is_(None),
    )
    .order_by(Violation.reviewed_at.desc(), Violation.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
)  # built once, as every officer home asks it (docs/decisions.md: statements built once)


def returned_violations(officer_id: int, limit: int = 20) -> list[Violation]:
    """This officer's violations a supervisor sent back (with the reason), newest first."""
    return list(db.session.scalars(_RETURNED, {"officer_id": officer_id, "limit": limit}))


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
