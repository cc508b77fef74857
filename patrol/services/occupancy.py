"""Who is inside an office now, against its capacity."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CheckIn, Office, inside_now_terms


@dataclass
class OfficeOccupancy:
    office: Office
    inside: int

    @property
    def ratio(self) -> float:
        return self.inside / self.office.capacity if self.office.capacity else 0.0

    @property
    def level(self) -> str:
        """quiet below 80 %, busy up to capacity, full at or over it."""
        if self.office.capacity and self.inside >= self.office.capacity:
            return "full"
        return "busy" if self.ratio >= 0.8 else "quiet"


def occupancy(office_ids: list[int] | None = None) -> list[OfficeOccupancy]:
    """Inside-now counts for the given offices (all active ones when None), in one query."""
    inside = (
        sa.select(CheckIn.office_id, sa.func.count(CheckIn.id).label("n"))
        .where(*inside_now_terms())
        .group_by(CheckIn.office_id)
        .subquery()
    )
    query = (
        sa.select(Office, sa.func.coalesce(inside.c.n, 0))
        .outerjoin(inside, inside.c.office_id == Office.id)
        .where(Office.active.is_(True))
        .order_by(Office.name)
    )
    if office_ids is not None:
        query = query.where(Office.id.in_(office_ids))
    return [OfficeOccupancy(office, n) for office, n in db.session.execute(query)]
