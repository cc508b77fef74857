"""Users, logins and guard posts."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from patrol.extensions import db
from patrol.models import ROLES, GuardPost, User
from patrol.services.errors import ValidationError

MIN_PASSWORD_LENGTH = 8


def create_user(username: str, role: str, password: str, full_name: str | None = None) -> User:
    """Add a new user after checking the username is free and the role is known."""
    username = username.strip().lower()
    if not username:
        raise ValidationError(_("Nama pengguna wajib diisi."), "username")
    if role not in ROLES:
        raise ValidationError(
            _(
                "Peran '%(role)s' tidak dikenal. Pilih: %(roles)s.",
                role=role,
                roles=", ".join(ROLES),
            ),
            "role",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH), "password"
        )
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise ValidationError(
            _("Nama pengguna '%(username)s' sudah dipakai.", username=username), "username"
        )
    user = User(username=username, role=role, full_name=(full_name or username).strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = datetime.now(timezone.utc)
    return user


def guard_office_ids(guard_id: int) -> set[int]:
    """The offices a guard is posted at."""
    return set(
        db.session.scalars(sa.select(GuardPost.office_id).where(GuardPost.guard_id == guard_id))
    )
