"""Office check-in: visitors in and out, the guard's actions, closing time and purging.

Services add and flush; the view (or CLI command) commits once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import CheckIn, CheckinKey, Entrance, Office, User, inside_now_terms
from patrol.rules import checkin as checkin_rules
from patrol.rules.geofence import geodesic_m
from patrol.rules.timeutil import utcnow
from patrol.services import occupancy_hours
from patrol.services.errors import ValidationError


@dataclass
class VisitorDetails:
    """What a visitor declares at the door, checked (``inputs.checkin.VisitorCheckIn``)."""

    name: str
    phone: str | None
    purpose: str | None
    has_symptoms: bool
    vaccine_doses: int
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


# The door's and the check-in's own statements are built once, with bindparams: every
# visitor's check-in asks them (docs/decisions.md: statements built once).
_ENTRANCE = (
    sa.select(Entrance)
    .join(Entrance.office)
    .options(joinedload(Entrance.office).undefer_group("checkin_rules"))
    .where(
        Entrance.token == sa.bindparam("token"),
        Entrance.revoked_at.is_(None),
        Office.active.is_(True),
    )
)


def find_entrance(token: str) -> Entrance | None:
    """The entrance whose poster carries this token, unless revoked or its office is closed down."""
    return db.session.scalar(_ENTRANCE, {"token": token})


def screening_for(has_symptoms: bool, doses: int) -> str:
    """The pass colour under the configured screening rules."""
    config = current_app.config
    return checkin_rules.screening(
        has_symptoms,
        doses,
        min_doses=config["CHECKIN_MIN_VACCINE_DOSES"],
        symptoms_colour=config["CHECKIN_SYMPTOMS_COLOUR"],
    )


# A check-in found by one of its unique keys: the key row gives (id, checked_in_at), so on
# PostgreSQL only the partition of that month is searched, by its primary key.
_KEYED = sa.and_(
    CheckinKey.checkin_id == CheckIn.id, CheckinKey.checked_in_at == CheckIn.checked_in_at
)


_BY_UUID = (
    sa.select(CheckIn).join(CheckinKey, _KEYED).where(CheckinKey.uuid == sa.bindparam("uuid"))
)


def _by_uuid(client_uuid: str) -> CheckIn | None:
    return db.session.scalar(_BY_UUID, {"uuid": client_uuid})


def find_by_uuid(client_uuid: str) -> CheckIn | None:
    """The check-in recorded under a client UUID (a resend of the same form), if any."""
    return _by_uuid(client_uuid)


_INSERT_KEY = sa.insert(CheckinKey.__table__)  # Core: no ORM bulk-insert machinery


def record_key(checkin: CheckIn) -> None:
    """Write a flushed check-in's client UUID and check-out secret to checkin_keys.

    Their unique indexes there are what stop a second row for one UUID: a retry fails
    here with an IntegrityError, inside the caller's savepoint.
    """
    db.session.execute(
        _INSERT_KEY,
        {
            "uuid": checkin.uuid,
            "checkout_secret": checkin.checkout_secret,
            "checkin_id": checkin.id,
            "checked_in_at": checkin.checked_in_at,
        },
    )


def _add_once(checkin: CheckIn) -> CheckIn:
    """Add a check-in unless its client UUID is already recorded (a retry): then return that one.

    The unique key decides, not a look-up first: a new check-in (nearly all of them) costs
    no statement more, and a retry fails its key's insert and gets the first row.
    """
    try:
        with db.session.begin_nested():
            db.session.add(checkin)
            db.session.flush()
            record_key(checkin)
    except IntegrityError:
        # A retry, or a concurrent one whose key went in first: this row is rolled back
        # with the savepoint.
        existing = _by_uuid(checkin.uuid)
        if existing is None:
            raise
        return existing
    occupancy_hours.record_checkin(checkin)  # a new row only: a retry returned above
    return checkin


def office_is_open(office: Office, now: datetime | None = None) -> bool:
    """Whether visitors may check in now: within opening hours, or the office allows after-hours."""
    if office.after_hours_checkin:
        return True
    return checkin_rules.is_open(now or utcnow(), office.opens_at, office.closes_at)


_COUNT_INSIDE = sa.select(sa.func.count(CheckIn.id)).where(
    CheckIn.office_id == sa.bindparam("office_id"), *inside_now_terms()
)
# Arrivals at one office take turns here on PostgreSQL (row lock until commit).
_LOCK_OFFICE = sa.select(Office.id).where(Office.id == sa.bindparam("office_id")).with_for_update()


def count_inside(office_id: int) -> int:
    """How many people are inside an office now (admitted, not checked out)."""
    return db.session.scalar(_COUNT_INSIDE, {"office_id": office_id})


def _arrival_status(office: Office, screening: str) -> str:
    """``waiting`` when the office's rules keep this arrival at the door, else ``admitted``."""
    if screening == "red" and office.hold_red:
        return "waiting"
    if office.wait_when_full and office.capacity:
        # Arrivals at one office take turns here on PostgreSQL (row lock until commit),
        # so two at once never both take the last place.
        db.session.execute(_LOCK_OFFICE, {"office_id": office.id})
        if count_inside(office.id) >= office.capacity:
            return "waiting"
    return "admitted"


def check_in(
    office: Office,
    entrance: Entrance | None,
    client_uuid: str,
    details: VisitorDetails | None = None,
    *,
    user_id: int | None = None,
    guard_id: int | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record someone entering (visitor, staff member, or by a guard); a retry returns the first."""
    existing = _by_uuid(client_uuid)
    if existing is not None:
        return existing  # asked first, so that a retry never waits for the office's lock
    return check_in_new(
        office, entrance, client_uuid, details, user_id=user_id, guard_id=guard_id, now=now
    )


def check_in_new(
    office: Office,
    entrance: Entrance | None,
    client_uuid: str,
    details: VisitorDetails | None = None,
    *,
    user_id: int | None = None,
    guard_id: int | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """``check_in`` for a client UUID the caller has just found unused (``find_by_uuid``);
    a retry racing in still gets the first check-in (the unique key decides)."""
    now = now or utcnow()
    checkin = CheckIn(
        uuid=client_uuid,
        office_id=office.id,
        entrance_id=entrance.id if entrance else None,
        user_id=user_id,
        guard_id=guard_id,
        checked_in_at=now,
        short_code=checkin_rules.new_short_code(),
        screening="green",
    )
    if details is not None:
        checkin.visitor_name = details.name
        checkin.visitor_phone = details.phone
        checkin.purpose = details.purpose
        checkin.has_symptoms = details.has_symptoms
        checkin.vaccine_doses = details.vaccine_doses
        checkin.screening = screening_for(details.has_symptoms, details.vaccine_doses)
        if details.lat is not None and details.lon is not None:
            checkin.lat, checkin.lon = details.lat, details.lon
            checkin.accuracy_m = details.accuracy_m or 0.0
            checkin.distance_m = geodesic_m(details.lat, details.lon, office.lat, office.lon)
            checkin.remote = checkin_rules.is_remote(
                checkin.distance_m, office.radius_m, checkin.accuracy_m
            )
    if guard_id is None:
        # A guard checking someone in by hand has already decided to let them in.
        checkin.status = _arrival_status(office, checkin.screening)
    return _add_once(checkin)


def open_checkins_by_secrets(secrets: list[str]) -> list[CheckIn]:
    """The check-ins whose secrets this phone holds, newest first (inside, waiting or done)."""
    secrets = [secret for secret in secrets if secret][:MAX_PASSES]
    if not secrets:
        return []
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .join(CheckinKey, _KEYED)
            .options(joinedload(CheckIn.office), joinedload(CheckIn.entrance))
            .where(CheckinKey.checkout_secret.in_(secrets))
            .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        ).unique()
    )


# Passes kept on one phone (offices visited the same day).
MAX_PASSES = 6


def waiting_list(office_id: int) -> list[CheckIn]:
    """Who waits at an office's door for a guard (office full, or a red pass), earliest first."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .options(joinedload(CheckIn.entrance), joinedload(CheckIn.user))
            .where(
                CheckIn.office_id == office_id,
                CheckIn.status == "waiting",
                CheckIn.checked_out_at.is_(None),
            )
            .order_by(CheckIn.checked_in_at, CheckIn.id)
        )
    )


def waiting_checkin(office: Office, checkin_id: int, red_inside: bool = False) -> CheckIn | None:
    """One person waiting at this office's door (or, with ``red_inside``, a red pass let in
    under the office's rules), not yet gone; else None."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.office_id != office.id or checkin.checked_out_at is not None:
        return None
    if checkin.status == "waiting":
        return checkin
    if red_inside and checkin.status == "admitted" and checkin.screening == "red":
        return checkin
    return None


def admit(checkin: CheckIn, guard_id: int) -> CheckIn:
    """A guard lets in someone who waited at the door; from now on they count inside."""
    checkin.status = "admitted"
    checkin.guard_id = guard_id
    db.session.flush()
    occupancy_hours.record_checkin(checkin)
    return checkin


def refuse_waiting(checkin: CheckIn, guard_id: int, reason: str, now: datetime | None = None):
    """A guard turns away someone waiting at the door (one tap on the board's row)."""
    if checkin.status == "admitted":  # a red pass counted inside: no longer
        occupancy_hours.forget_checkin(checkin)
    checkin.status = "turned_away"
    checkin.turned_away_reason = reason[:200]
    checkin.guard_id = guard_id
    return check_out(checkin, "guard", guard_id, now)


def open_checkin_by_secret(secret: str | None) -> CheckIn | None:
    """The check-in whose check-out secret this phone holds, if still inside."""
    if not secret:
        return None
    return db.session.scalar(
        sa.select(CheckIn)
        .join(CheckinKey, _KEYED)
        .where(
            CheckinKey.checkout_secret == secret,
            *inside_now_terms(),
        )
    )


def checkin_by_secret(secret: str | None) -> CheckIn | None:
    """The check-in whose check-out secret this phone holds, inside or not."""
    if not secret:
        return None
    return db.session.scalar(
        sa.select(CheckIn).join(CheckinKey, _KEYED).where(CheckinKey.checkout_secret == secret)
    )


def check_out(
    checkin: CheckIn, by: str, guard_id: int | None = None, now: datetime | None = None
) -> CheckIn:
    """Mark someone as gone (themselves, a guard, or at closing); a second time changes nothing."""
    if checkin.checked_out_at is None:
        checkin.checked_out_at = max(now or utcnow(), checkin.checked_in_at)
        checkin.checkout_by = by
        checkin.checkout_guard_id = guard_id
        db.session.flush()
    return checkin


def inside_now(office_id: int) -> list[CheckIn]:
    """The people inside an office now, earliest first."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .options(joinedload(CheckIn.entrance), joinedload(CheckIn.user))
            .where(
                CheckIn.office_id == office_id,
                *inside_now_terms(),
            )
            .order_by(CheckIn.checked_in_at)
        )
    )


def _inside(office_id: int):
    return (
        CheckIn.office_id == office_id,
        *inside_now_terms(),
    )


@dataclass
class BoardList:
    """What the guard's board lists: at most ``limit`` people inside, newest first."""

    people: list[CheckIn]
    inside: int  # everyone inside the office, whatever the list shows
    more: bool  # the search (or the office) has more than the list shows
    query: str


def board_list(office_id: int, query: str = "", limit: int = 30) -> BoardList:
    """The latest ``limit`` people inside, or those whose name or pass code matches ``query``.

    Flat in the number inside: one count and one query of at most ``limit + 1`` rows.
    """
    query = " ".join((query or "").split())[:60]
    inside = db.session.scalar(sa.select(sa.func.count(CheckIn.id)).where(*_inside(office_id)))
    select = (
        sa.select(CheckIn)
        .options(joinedload(CheckIn.entrance), joinedload(CheckIn.user))
        .where(*_inside(office_id))
    )
    if query:
        needle = query.lower()
        select = select.outerjoin(User, User.id == CheckIn.user_id).where(
            sa.or_(
                sa.func.lower(CheckIn.visitor_name).contains(needle, autoescape=True),
                sa.func.lower(User.full_name).contains(needle, autoescape=True),
                CheckIn.short_code.startswith(query.upper().replace(" ", ""), autoescape=True),
            )
        )
    people = list(
        db.session.scalars(
            select.order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()).limit(limit + 1)
        ).unique()
    )
    return BoardList(people[:limit], inside, len(people) > limit, query)


def board_version(office_id: int) -> tuple:
    """What changes whenever the board's list or counter would: how many are inside, the
    newest check-in and the latest check-out of the office. One cheap query (three index
    look-ups), asked before rendering so that an unchanged board answers 304."""
    of_office = CheckIn.office_id == office_id
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.count(CheckIn.id)).where(*_inside(office_id)).scalar_subquery(),
            sa.select(sa.func.max(CheckIn.id)).where(of_office).scalar_subquery(),
            sa.select(sa.func.max(CheckIn.checked_out_at)).where(of_office).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def check_out_everyone(office_id: int, guard_id: int, now: datetime | None = None) -> int:
    """Check out everybody still inside an office (the guard closing up); returns how many."""
    people = inside_now(office_id)
    for checkin in people:
        check_out(checkin, "guard", guard_id, now)
    return len(people)


def turn_away(
    office: Office,
    guard_id: int,
    client_uuid: str,
    reason: str,
    *,
    short_code: str = "",
    name: str = "",
    now: datetime | None = None,
) -> CheckIn:
    """Refuse entry with a reason: to someone who checked in (by pass code) or to a walk-in.

    The reason, code and name come checked (``inputs.checkin.TurnAway``)."""
    if not reason:
        raise ValidationError(_("Alasan penolakan wajib diisi."), "reason")
    now = now or utcnow()
    short_code = (short_code or "").strip().upper()
    name = (name or "").strip()
    if short_code:
        checkin = db.session.scalar(
            sa.select(CheckIn).where(
                CheckIn.office_id == office.id,
                CheckIn.short_code == short_code,
                CheckIn.checked_out_at.is_(None),
                CheckIn.status.in_(("admitted", "waiting")),
            )
        )
        if checkin is None:
            raise ValidationError(
                _("Tidak ada orang di dalam dengan kode %(code)s.", code=short_code), "short_code"
            )
        if checkin.status == "admitted":  # one who waited was never counted
            occupancy_hours.forget_checkin(checkin)
        checkin.status = "turned_away"
        checkin.turned_away_reason = reason
        checkin.guard_id = guard_id
        check_out(checkin, "guard", guard_id, now)
        return checkin
    if not name:
        raise ValidationError(_("Isi kode pada layar pengunjung atau namanya."), "name")
    checkin = CheckIn(
        uuid=client_uuid,
        office_id=office.id,
        visitor_name=name,
        status="turned_away",
        turned_away_reason=reason,
        guard_id=guard_id,
        checked_in_at=now,
        checked_out_at=now,
        checkout_by="guard",
        checkout_guard_id=guard_id,
        short_code=checkin_rules.new_short_code(),
    )
    return _add_once(checkin)


def close_offices(
    now: datetime | None = None,
    office_ids: list[int] | None = None,
    offices: list[Office] | None = None,
) -> int:
    """Check out, at its office's closing time, everyone still inside after that time passed.

    All offices, those of ``office_ids``, or the already loaded ``offices`` (a board's)."""
    now = now or utcnow()
    # Offices grouped by closing time: one range condition per group, so the board's
    # request loads only overdue check-ins instead of everyone inside.
    if offices is not None:
        pairs = [(office.id, office.closes_at) for office in offices]
    else:
        query = sa.select(Office.id, Office.closes_at)
        if office_ids is not None:
            query = query.where(Office.id.in_(office_ids))
        pairs = db.session.execute(query).all()
    by_closing: dict[time, list[int]] = defaultdict(list)
    for office_id, closes_at in pairs:
        by_closing[closes_at].append(office_id)
    if not by_closing:
        return 0
    overdue = sa.or_(
        *(
            sa.and_(
                CheckIn.office_id.in_(ids),
                CheckIn.checked_in_at <= checkin_rules.last_closing(now, closes_at),
            )
            for closes_at, ids in by_closing.items()
        )
    )
    # Those still waiting at the door leave at closing too (few: terms of their own, so
    # that the ones over the people inside keep to its partial index).
    inside_terms = (*inside_now_terms(), overdue)
    waiting_terms = (CheckIn.status == "waiting", CheckIn.checked_out_at.is_(None), overdue)
    # Nearly every board view finds nobody overdue: one cheap probe (each EXISTS on its own
    # index) instead of loading check-ins with their offices.
    anyone = sa.select(
        sa.or_(
            sa.exists().where(*inside_terms),
            sa.exists().where(*waiting_terms),
        )
    )
    if not db.session.scalar(anyone):
        return 0
    overdue_checkins = sa.select(CheckIn).options(joinedload(CheckIn.office))
    closed = 0
    for checkin in [
        *db.session.scalars(overdue_checkins.where(*inside_terms)),
        *db.session.scalars(overdue_checkins.where(*waiting_terms)),
    ]:
        closing = checkin_rules.closing_after(checkin.checked_in_at, checkin.office.closes_at)
        if closing <= now:
            check_out(checkin, "auto", None, closing)
            closed += 1
    return closed


def purge_personal_data(days: int, now: datetime | None = None) -> int:
    """Blank everything personal of check-ins older than ``days``: names, phones, purposes,
    health answers, locations and distances, turn-away reasons. Anonymous counts stay."""
    if days < 0:
        raise ValidationError(_("Jumlah hari tidak boleh negatif."), "days")
    now = now or utcnow()
    result = db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.checked_in_at < now - timedelta(days=days), CheckIn.purged_at.is_(None))
        .values(
            visitor_name=None,
            visitor_phone=None,
            purpose=None,
            lat=None,
            lon=None,
            accuracy_m=None,
            distance_m=None,
            has_symptoms=None,
            vaccine_doses=None,
            turned_away_reason=None,
            purged_at=now,
        )
    )
    db.session.flush()
    return result.rowcount
