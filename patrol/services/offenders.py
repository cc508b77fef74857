"""An offender's NIK: never stored in clear, a keyed hash finds repeat offenders."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from patrol.extensions import db
from patrol.models import Violation
from patrol.services.errors import ValidationError

SANCTION_LEVELS = ("ringan", "sedang", "berat")


def nik_key() -> bytes:
    """The HMAC key for NIKs: NIK_HMAC_KEY, else one derived from SECRET_KEY."""
    configured = current_app.config.get("NIK_HMAC_KEY")
    if configured:
        return configured.encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"patroli-nik-hmac-v1", hashlib.sha256).digest()


def normalise_nik(value: str | None) -> str | None:
    """The 16 digits of a NIK (spaces and dots allowed in input), or None when empty."""
    if value is None:
        return None
    digits = re.sub(r"[\s.\-]", "", str(value))
    if not digits:
        return None
    if not re.fullmatch(r"\d{16}", digits):
        raise ValidationError(_("NIK harus terdiri dari 16 angka."), "offender_nik")
    return digits


def nik_hash(nik: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a normalised NIK; the NIK itself is never stored."""
    return hmac.new(nik_key(), nik.encode(), hashlib.sha256).hexdigest()


@dataclass
class OffenderHistory:
    count: int
    recent: list[datetime] = field(default_factory=list)

    @property
    def suggested_level(self) -> str:
        """Sanctions escalate: first violation ringan, second sedang, third and later berat."""
        return SANCTION_LEVELS[min(self.count, len(SANCTION_LEVELS) - 1)]


def offender_history(nik: str | None, exclude_id: int | None = None) -> OffenderHistory | None:
    """Earlier (not withdrawn) violations by the holder of this NIK; None without a NIK."""
    digits = normalise_nik(nik)
    if digits is None:
        return None
    query = sa.select(Violation.recorded_at).where(
        Violation.nik_hash == nik_hash(digits), Violation.withdrawn_at.is_(None)
    )
    if exclude_id is not None:
        query = query.where(Violation.id != exclude_id)
    dates = list(db.session.scalars(query.order_by(Violation.recorded_at.desc())))
    return OffenderHistory(count=len(dates), recent=dates[:3])
