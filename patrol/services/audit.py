"""Audit trail: who changed or withdrew what, before and after."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from patrol.extensions import db
from patrol.models import AuditEvent


def record(
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def recent(
    limit: int = 100, entity: str | None = None, before_id: int | None = None
) -> list[AuditEvent]:
    """The latest audit events, newest first (optionally of one kind of record)."""
    query = (
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
