"""The repeat-offender look-up while an officer types a NIK, guarded against enumeration.

The hint (earlier violations, the next sanction level) is city-wide by design. So that it
cannot become an oracle for who was sanctioned, a look-up needs an open visit of the
officer, is written to the audit trail, is limited per officer per hour
(``NIK_LOOKUPS_PER_HOUR``, counted in the audit trail, so every worker and instance
agrees without Redis), and an officer reaching ``NIK_LOOKUP_ALERT`` attempts in an hour
is shown to admins on the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from patrol.extensions import db
from patrol.models import AuditEvent, User
from patrol.services import audit, offenders, visits

LOOKUP = "nik_lookup"
REFUSED = "nik_lookup_refused"
WINDOW = timedelta(hours=1)


class LookupRefused(Exception):
    """A look-up the officer may not make now; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def _attempts(officer_id: int, since: datetime, actions: tuple[str, ...]) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.at >= since,
            AuditEvent.actor_id == officer_id,
            AuditEvent.action.in_(actions),
        )
    )


def lookup(
    officer_id: int, nik: str | None, now: datetime, per_hour: int
) -> offenders.OffenderHistory | None:
    """Earlier violations of this NIK, for an officer in an open visit, within the limit.

    None while the NIK is incomplete (nothing is looked up, nothing counted); raises the
    ValidationError of a malformed NIK, or LookupRefused.
    """
    digits = offenders.normalise_nik(nik)
    if digits is None:
        return None
    visit = visits.open_visit(officer_id)
    if visit is None or visits.visit_deadline(visit) <= now:
        raise LookupRefused(_("Cek NIK hanya bisa dari kunjungan yang sedang berjalan."), 403)
    if _attempts(officer_id, now - WINDOW, (LOOKUP,)) >= per_hour:
        audit.record(officer_id, REFUSED, "visit", visit.id, after={"nik_last4": digits[-4:]})
        raise LookupRefused(
            _(
                "Cek NIK dibatasi %(n)d kali per jam. Catat pelanggaran tanpa saran sanksi; "
                "admin dapat melihat riwayatnya.",
                n=per_hour,
            ),
            429,
        )
    history = offenders.offender_history(digits)
    audit.record(
        officer_id,
        LOOKUP,
        "visit",
        visit.id,
        after={"nik_last4": digits[-4:], "earlier": history.count},
    )
    return history


@dataclass(frozen=True)
class LookupBurst:
    """An officer who looked up many NIKs in the last hour (a dashboard alert)."""

    officer_id: int
    full_name: str
    attempts: int
    refused: int
    last_at: datetime


def bursts(now: datetime, threshold: int) -> list[LookupBurst]:
    """Officers with at least ``threshold`` look-ups (refused ones included) in the last hour."""
    refused = sa.func.sum(sa.case((AuditEvent.action == REFUSED, 1), else_=0))
    attempts = sa.func.count(AuditEvent.id)
    rows = db.session.execute(
        sa.select(
            User.id,
            User.full_name,
            attempts.label("attempts"),
            refused.label("refused"),
            sa.func.max(AuditEvent.at).label("last_at"),
        )
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.at >= now - WINDOW, AuditEvent.action.in_((LOOKUP, REFUSED)))
        .group_by(User.id, User.full_name)
        .having(attempts >= threshold)
        .order_by(attempts.desc(), User.full_name)
    ).all()
    return [
        LookupBurst(row.id, row.full_name, int(row.attempts), int(row.refused or 0), row.last_at)
        for row in rows
    ]
