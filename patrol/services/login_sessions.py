"""Logins kept on the server: one row per login, named by the token in the cookies.

Logging out deletes the row, so replaying the old ``session`` or ``remember_token``
cookie finds nothing; a row also expires after one shift (``SESSION_HOURS``), whatever
the cookie says.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import LoginSession, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, now: datetime, lifetime: timedelta) -> str:
    """Open a login for this user (its token goes into the cookies) and forget stale ones."""
    db.session.execute(
        sa.delete(LoginSession).where(
            LoginSession.user_id == user.id,
            sa.or_(LoginSession.expires_at <= now, LoginSession.user_token != user.session_token),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=_hash(token),
            user_id=user.id,
            user_token=user.session_token,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    user.login_token = token
    return token


# Built once: SQLAlchemy computes a statement's cache key on every execution of a new
# statement object, which cost as much as running this one (docs/decisions.md).
_ACTIVE_USER = (
    sa.select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        LoginSession.token_hash == sa.bindparam("token_hash"),
        LoginSession.expires_at > sa.bindparam("now"),
        LoginSession.user_token == User.session_token,
        User.active.is_(True),
    )
)


def load(token: str | None, now: datetime) -> User | None:
    """The active user of a login that is neither ended nor expired, or None."""
    if not token:
        return None
    user = db.session.scalar(_ACTIVE_USER, {"token_hash": _hash(token), "now": now})
    if user is not None:
        user.login_token = token
    return user


def end(token: str | None) -> None:
    """End one login (this device's)."""
    if token:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_all(user: User) -> None:
    """End every login of a user, on all devices."""
    user.end_sessions()
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
