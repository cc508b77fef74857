"""Users, logins and guard posts."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

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


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    # Same method and cost as a real password hash: checking it takes as long.
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    A failure takes one password check whether the user exists or not, so the time of
    the answer does not tell which usernames exist.
    """
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        check_password_hash(_unknown_user_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = datetime.now(timezone.utc)
    return user


def guard_office_ids(guard_id: int) -> set[int]:
    """The offices a guard is posted at."""
    return set(
        db.session.scalars(sa.select(GuardPost.office_id).where(GuardPost.guard_id == guard_id))
    )
