"""The audit trail as CSV for admins: every event, oldest first, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import AuditEvent

# The one rule against formula injection, shared by every export.
from patrol.services.exports import spreadsheet_safe

HEADER = ("id", "at_utc", "actor_username", "actor_name", "action", "entity", "entity_id")
HEADER += ("before", "after")
_BATCH = 500


def _row(event: AuditEvent) -> list[str]:
    actor = event.actor
    cells = [
        event.id,
        event.at.isoformat(),
        actor.username if actor else "",
        actor.full_name if actor else "",
        event.action,
        event.entity,
        event.entity_id,
        json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before else "",
        json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after else "",
    ]
    return [spreadsheet_safe(cell) for cell in cells]


def audit_csv(entity: str | None = None) -> Iterator[str]:
    """The CSV text in chunks (header first), read from the database in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    last_id = 0
    while True:
        query = (
            sa.select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(_BATCH)
        )
        if entity:
            query = query.where(AuditEvent.entity == entity)
        events = list(db.session.scalars(query))
        for event in events:
            writer.writerow(_row(event))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(events) < _BATCH:
            return
        last_id = events[-1].id
