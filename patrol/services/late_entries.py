"""Entries that reached the server long after they were recorded (back-dated or held
offline), and the rule that such a visit does not keep a shift that had already ended.

An offline phone sends its outbox when the signal returns, so ``created_at`` (arrival)
may trail ``recorded_at`` (what the phone says) by minutes or hours. Past
``LATE_ENTRY_HOURS`` the entry is marked in reports and on its printable record; a visit
that arrives after its shift ended plus ``SHIFT_SYNC_GRACE_MINUTES`` does not count as
that shift kept, whatever time it claims.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app


def late_after() -> timedelta:
    """How long after its recorded time an entry may arrive before it is marked late."""
    return timedelta(hours=float(current_app.config["LATE_ENTRY_HOURS"]))


def shift_grace() -> timedelta:
    """How long after a shift's end a visit of that shift may still arrive to keep it."""
    return timedelta(minutes=float(current_app.config["SHIFT_SYNC_GRACE_MINUTES"]))


def hours_late(recorded_at: datetime | None, created_at: datetime | None, threshold: timedelta):
    """Hours between recording and arrival when beyond ``threshold``, else None."""
    if recorded_at is None or created_at is None:
        return None
    delay = created_at - recorded_at
    return round(delay.total_seconds() / 3600, 1) if delay > threshold else None


def _seconds_between(start, end):
    from patrol.services.reports import seconds_between  # reports imports this module

    return seconds_between(start, end)


def arrived_late_clause(recorded_at, created_at, threshold: timedelta):
    """SQL: the entry arrived more than ``threshold`` after it was recorded."""
    return _seconds_between(recorded_at, created_at) > threshold.total_seconds()


def arrived_by(deadline, created_at, grace: timedelta):
    """SQL: ``created_at`` is no later than ``deadline`` plus ``grace`` (part of the one
    "shift kept" rule, services.coverage.shift_kept)."""
    return _seconds_between(deadline, created_at) <= grace.total_seconds()


def register_template_helpers(app: Flask) -> None:
    """``hours_late(recorded_at, created_at)`` in templates, with the configured threshold."""

    @app.template_global("hours_late")
    def hours_late_global(recorded_at, created_at):
        return hours_late(recorded_at, created_at, late_after())
