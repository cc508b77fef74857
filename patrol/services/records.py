"""Field records written once: the client's UUID, the time it was recorded, the insert.

Every record made in the field (a visit, a violation, a crowd count, a checkpoint scan)
carries a UUID chosen on the phone, so a retried or replayed submission never creates a
second row. The visit, entry and checkpoint services all go through these helpers.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from patrol.extensions import db
from patrol.inputs.types import canonical_uuid
from patrol.services.errors import ValidationError

# A client clock may run a little ahead of the server's; more than this is refused.
CLOCK_SKEW = timedelta(minutes=5)


def client_uuid(value: str | None) -> str:
    """A client UUID in canonical form; a fresh one when the client sent none."""
    if value is None or not str(value).strip():
        return str(uuid_module.uuid4())
    text = canonical_uuid(value)
    if text is None:
        raise ValidationError(_("Kode entri (UUID) tidak sah."), "uuid")
    return text


def recorded_time(value: datetime | None, now: datetime) -> datetime:
    """When a record was made: the phone's time (aware, not in the future, not older than
    SYNC_MAX_AGE_DAYS), else now."""
    if value is None:
        return now
    if value.tzinfo is None:
        raise ValidationError(_("Waktu harus menyertakan zona waktu."), "recorded_at")
    max_age = current_app.config["SYNC_MAX_AGE_DAYS"]
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:
        value = datetime.min.replace(tzinfo=timezone.utc)
    if value > now + CLOCK_SKEW:
        raise ValidationError(_("Waktu pencatatan ada di masa depan."), "recorded_at")
    if value < now - timedelta(days=max_age):
        raise ValidationError(
            _("Waktu pencatatan lebih dari %(days)d hari yang lalu; tidak diterima.", days=max_age),
            "recorded_at",
        )
    return value


def record_once(model, obj):
    """Flush a new field record, or return the row that already holds its UUID.

    The unique constraint decides, not a look-up: two submissions racing with one UUID
    both reach the flush, and the loser finds the winner's row.
    """
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        existing = db.session.scalar(sa.select(model).where(model.uuid == obj.uuid))
        if existing is None:
            raise
        return existing, False
    return obj, True


def find_by_uuid(model, value: str):
    """The stored record with this client UUID, if any."""
    return db.session.scalar(sa.select(model).where(model.uuid == value))
