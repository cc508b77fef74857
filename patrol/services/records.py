"""Field records written once: the client's UUID, the time it was recorded, the insert.

Every record made in the field (a visit, a violation, a crowd count, a checkpoint scan)
carries a UUID chosen on the phone, so a retried or replayed submission never creates a
second row. The visit, entry and checkpoint services all go through these helpers.
"""

from __future__ import annotations

import uuid as uuid_module
from contextlib import contextmanager
from contextvars import ContextVar
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


class Raced(Exception):
    """Inside a batch: the insert met a row with the same UUID (a submission racing this one).

    Raised with the record's savepoint still open; the batch rolls the record back and
    answers with the row that won (services.sync).
    """

    def __init__(self, model, uuid: str):
        super().__init__(uuid)
        self.model = model
        self.uuid = uuid


class Batch:
    """Rows a batch of field records refers to, loaded once for the whole batch.

    Keys are ``(name, value)``: a model's name and a client UUID, or a look-up of a
    service's own (a category code, a checkpoint token). A key loaded and not found is
    stored as None, so that asking again costs no statement; a key never loaded falls back
    to the database. Rows written by a record are added under its UUID and taken out
    again if the record is rolled back (``keep`` and ``forget``, once per record).
    """

    def __init__(self):
        self._rows: dict[tuple, object] = {}
        self._added: list[tuple] = []

    def load(self, name: str, keys, rows: dict) -> None:
        """Remember ``rows`` (value -> row) for ``keys``; a key without a row is absent."""
        for key in keys:
            self._rows[(name, key)] = rows.get(key)

    def get(self, name: str, key, default=None):
        return self._rows.get((name, key), default)

    def knows(self, name: str, key) -> bool:
        return (name, key) in self._rows

    def add(self, name: str, key, row) -> None:
        self._added.append((name, key, self._rows.get((name, key))))
        self._rows[(name, key)] = row

    def keep(self) -> None:
        self._added.clear()

    def forget(self) -> None:
        """The record was rolled back: what it added is not stored."""
        for name, key, before in reversed(self._added):
            self._rows[(name, key)] = before
        self._added.clear()


_batch: ContextVar[Batch | None] = ContextVar("field_record_batch", default=None)


@contextmanager
def batch():
    """Look-ups inside the block may be answered from a Batch; every record in it runs in
    a savepoint of its caller's (services.sync), so record_once opens none of its own."""
    token = _batch.set(Batch())
    try:
        yield _batch.get()
    finally:
        _batch.reset(token)


def current_batch() -> Batch | None:
    return _batch.get()


# Rows the caller has loaded already, for one call of a service (``known``).
_known: ContextVar[dict | None] = ContextVar("field_record_known", default=None)


@contextmanager
def known(rows: dict):
    """Inside the block, a look-up of ``(name, key)`` in ``rows`` is answered from there.

    For a view that has just loaded rows the service would look up again (the visit of an
    entry form, checked by ``own_visit_or_abort``; the active categories and actions the
    answer's fresh form lists): the service keeps its rules and asks no statement more.
    """
    token = _known.set({**(_known.get() or {}), **rows})
    try:
        yield
    finally:
        _known.reset(token)


def cached(name: str, key, load):
    """``load()``, unless the current batch (or the caller: ``known``) has ``(name, key)``."""
    current = _batch.get()
    if current is not None and current.knows(name, key):
        return current.get(name, key)
    rows = _known.get()
    if rows and (name, key) in rows:
        return rows[(name, key)]
    return load()


def record_once(model, obj):
    """Flush a new field record, or return the row that already holds its UUID.

    The unique constraint decides, not a look-up: two submissions racing with one UUID
    both reach the flush, and the loser finds the winner's row. Inside a batch the
    record's own savepoint is the caller's: the loser raises Raced instead.
    """
    current = _batch.get()
    if current is not None:
        db.session.add(obj)
        try:
            db.session.flush()
        except IntegrityError as error:
            raise Raced(model, obj.uuid) from error
        current.add(model.__name__, obj.uuid, obj)
        return obj, True
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        existing = db.session.scalar(sa.select(model).where(model.uuid == obj.uuid))
        if existing is None:
            raise
        return existing, False
    return obj, True


# One statement per model, built the first time it is asked (every field POST asks it).
_BY_UUID: dict = {}


def find_by_uuid(model, value: str):
    """The stored record with this client UUID, if any."""
    statement = _BY_UUID.get(model)
    if statement is None:
        statement = _BY_UUID[model] = sa.select(model).where(model.uuid == sa.bindparam("uuid"))
    return cached(model.__name__, value, lambda: db.session.scalar(statement, {"uuid": value}))
