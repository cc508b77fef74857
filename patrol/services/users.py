"""User administration: create, edit, deactivate, reset passwords; and guard posts."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from patrol.extensions import db
from patrol.models import ROLES, GuardPost, Office, User
from patrol.services import audit
from patrol.services.errors import ValidationError
from patrol.services.people import MIN_PASSWORD_LENGTH, create_user


def snapshot(user: User) -> dict:
    """The audited fields of a user (never the password hash)."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "active": user.active,
    }


def add_user(actor_id: int, username: str, full_name: str, role: str, password: str) -> User:
    """Create a user account and audit it."""
    if not full_name.strip():
        raise ValidationError(_("Nama lengkap wajib diisi."), "full_name")
    user = create_user(username, role, password, full_name)
    audit.record(actor_id, "create", "user", user.id, None, snapshot(user))
    return user


def update_user(actor_id: int, user: User, full_name: str, role: str, active: bool) -> User:
    """Change a user's name, role or active flag; deactivating ends their sessions at once."""
    if not full_name.strip():
        raise ValidationError(_("Nama lengkap wajib diisi."), "full_name")
    if role not in ROLES:
        raise ValidationError(_("Peran tidak dikenal."), "role")
    if user.id == actor_id and (not active or role != "admin"):
        raise ValidationError(
            _("Anda tidak dapat menonaktifkan atau menurunkan peran akun Anda sendiri."), "active"
        )
    before = snapshot(user)
    user.full_name = full_name.strip()
    user.role = role
    if user.active and not active:
        user.end_sessions()
    user.active = active
    db.session.flush()
    audit.record(actor_id, "update", "user", user.id, before, snapshot(user))
    return user


def reset_password(actor_id: int, user: User, password: str) -> None:
    """Give a user a new password; their existing sessions end."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH), "password"
        )
    user.set_password(password)
    db.session.flush()
    audit.record(actor_id, "reset_password", "user", user.id, None, {"sessions_ended": True})


def list_users(role: str | None = None) -> list[User]:
    """Users by role and name (active first)."""
    query = sa.select(User).order_by(User.active.desc(), User.role, User.full_name)
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def add_guard_post(actor_id: int, guard_id: int, office_id: int) -> GuardPost:
    """Place a guard at an office (once)."""
    guard = db.session.get(User, guard_id) if guard_id else None
    if guard is None or guard.role != "guard" or not guard.active:
        raise ValidationError(_("Pilih petugas keamanan yang aktif."), "guard_id")
    office = db.session.get(Office, office_id) if office_id else None
    if office is None or not office.active:
        raise ValidationError(_("Pilih kantor yang aktif."), "office_id")
    exists = db.session.scalar(
        sa.select(GuardPost.id).where(
            GuardPost.guard_id == guard_id, GuardPost.office_id == office_id
        )
    )
    if exists is not None:
        raise ValidationError(
            _(
                "%(guard)s sudah bertugas di %(office)s.",
                guard=guard.full_name,
                office=office.name,
            ),
            "guard_id",
        )
    post = GuardPost(guard_id=guard_id, office_id=office_id)
    db.session.add(post)
    db.session.flush()
    audit.record(
        actor_id,
        "create",
        "guard_post",
        post.id,
        None,
        {"guard_id": guard_id, "office_id": office_id},
    )
    return post


def remove_guard_post(actor_id: int, post: GuardPost) -> None:
    """Take a guard off an office."""
    audit.record(
        actor_id,
        "delete",
        "guard_post",
        post.id,
        {"guard_id": post.guard_id, "office_id": post.office_id},
        None,
    )
    db.session.delete(post)
    db.session.flush()


def list_guard_posts() -> list[GuardPost]:
    """Every guard post, by office and guard."""
    return list(
        db.session.scalars(
            sa.select(GuardPost)
            .join(GuardPost.office)
            .join(GuardPost.guard)
            # The joined office and guard fill the post's relationships: no query per post.
            .options(contains_eager(GuardPost.office), contains_eager(GuardPost.guard))
            .order_by(Office.name, User.full_name)
        )
    )
