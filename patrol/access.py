"""Who may do what: the one place for access rules.

Every view declares its audience with ``@public`` or ``@roles(...)``. The declaration is
enforced by ``enforce_declared_access`` (a before-request hook) for every endpoint, so a view
without a declaration is refused rather than left open, and a test walks the URL map to
make sure no endpoint lacks one. Object-level rules (whose visit, which office) are the
``can_*`` functions below, called by views after loading the object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from patrol.extensions import db
from patrol.models import ROLES, Visit

F = TypeVar("F", bound=Callable)

PUBLIC = "public"


def public(view: F) -> F:
    """Anyone, logged in or not, may open this view."""
    view.access = frozenset({PUBLIC})  # type: ignore[attr-defined]
    return view


def roles(*allowed: str) -> Callable[[F], F]:
    """Only logged-in users with one of these roles may open this view."""
    unknown = set(allowed) - set(ROLES)
    if unknown or not allowed:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        view.access = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return decorate


def staff(view: F) -> F:
    """Any logged-in user, whatever the role."""
    return roles(*ROLES)(view)


def declared_access(endpoint: str | None) -> frozenset[str] | None:
    """The audience declared by an endpoint's view function, or None when undeclared."""
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return frozenset({PUBLIC})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def enforce_declared_access():
    """Before every request: let the request through only if the view's audience allows it."""
    if request.endpoint is None:  # 404 and 405 are answered by routing
        return None
    allowed = declared_access(request.endpoint)
    if allowed is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        abort(403)
    if PUBLIC in allowed:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in allowed:
        abort(403)
    return None


# Object-level rules ------------------------------------------------------------------


def is_admin(user) -> bool:
    return user.is_authenticated and user.role == "admin"


def can_see_office(user, office_id: int) -> bool:
    """Admins see every office; guards only those they are posted at."""
    if is_admin(user):
        return True
    if not user.is_authenticated or user.role != "guard":
        return False
    from patrol.services.people import guard_office_ids

    return office_id in guard_office_ids(user.id)


def owns_visit(user, visit) -> bool:
    """An officer reads and changes only their own visits (admins read all)."""
    return user.is_authenticated and visit.officer_id == user.id


def can_see_visit_record(user, visit) -> bool:
    """A visit's entries (violations, counts, photos): its officer, and admins."""
    return is_admin(user) or owns_visit(user, visit)


def own_visit_or_abort(visit_uuid: str):
    """The current officer's visit with this UUID: 404 when there is none, 403 for another's."""
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == visit_uuid.lower()))
    if visit is None:
        abort(404)
    if not owns_visit(current_user, visit):
        abort(403, description=_("Kunjungan ini milik petugas lain."))
    return visit
