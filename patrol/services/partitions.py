"""Monthly partitions of check-ins on PostgreSQL (migration 0012; docs/scaling.md).

``checkins`` is partitioned by range of ``checked_in_at``: one partition per UTC month,
named ``checkins_YYYY_MM``, and ``checkins_default`` for rows no month partition takes
(which only happens when the monthly timer running ``create-partitions`` is late).
SQLite installations stay unpartitioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa

from patrol.extensions import db
from patrol.rules.timeutil import utcnow

TABLE = "checkins"
DEFAULT = "checkins_default"
_PARTITION = re.compile(r"^checkins_(\d{4}_\d{2}|default)$")


def is_partition_name(name: str | None) -> bool:
    """Whether a table name is one of the check-in partitions (not a model of its own)."""
    return bool(name and _PARTITION.match(name))


def partition_name(month: date) -> str:
    return f"{TABLE}_{month.year:04d}_{month.month:02d}"


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime) -> date:
    """The first day of the UTC month holding ``moment``."""
    moment = moment.astimezone(timezone.utc)
    return date(moment.year, moment.month, 1)


def bounds(month: date) -> tuple[str, str]:
    """The partition's range as timestamptz literals: [first of month, first of next) UTC."""
    return f"{month.isoformat()} 00:00:00+00", f"{add_months(month, 1).isoformat()} 00:00:00+00"


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    # Rows moved out of the default partition into a month created for them.
    moved: int = 0
    # Rows left in the default partition afterwards (should be none).
    default_rows: int = 0


def is_partitioned() -> bool:
    """True on PostgreSQL once migration 0012 made check-ins a partitioned table."""
    if db.engine.dialect.name != "postgresql":
        return False
    kind = db.session.scalar(
        sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": TABLE}
    )
    return kind == "p"


def partitions() -> list[str]:
    """Names of the partitions attached to check-ins."""
    return list(
        db.session.scalars(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(:t) ORDER BY c.relname"
            ),
            {"t": TABLE},
        )
    )


# Table names below are this module's constants and month bounds come from dates, never
# from input; DDL takes no bound parameters, hence the f-strings (noqa: S608).


def default_rows() -> int:
    if DEFAULT not in partitions():
        return 0
    return db.session.scalar(sa.text(f"SELECT count(*) FROM {DEFAULT}"))  # noqa: S608


def default_has_rows() -> bool:
    """Whether check-ins wait in the default partition (two index-free look-ups; /healthz)."""
    if db.engine.dialect.name != "postgresql":
        return False
    if db.session.scalar(sa.text("SELECT to_regclass(:t) IS NULL"), {"t": DEFAULT}):
        return False
    return db.session.scalar(sa.text(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT})"))  # noqa: S608


def _months_in_default() -> set[date]:
    if DEFAULT not in partitions():
        return set()
    month = "date_trunc('month', checked_in_at AT TIME ZONE 'UTC')"
    rows = db.session.scalars(sa.text(f"SELECT DISTINCT {month} FROM {DEFAULT}"))  # noqa: S608
    return {date(moment.year, moment.month, 1) for moment in rows}


def _create_month(month: date) -> int:
    """Create one month's partition; rows of that month already in the default one move in."""
    name = partition_name(month)
    low, high = bounds(month)
    values = f"FOR VALUES FROM ('{low}') TO ('{high}')"
    in_range = (
        "checked_in_at >= CAST(:low AS timestamptz) AND checked_in_at < CAST(:high AS timestamptz)"
    )
    span = {"low": low, "high": high}
    waiting = 0
    if DEFAULT in partitions():
        count = f"SELECT count(*) FROM {DEFAULT} WHERE {in_range}"  # noqa: S608
        waiting = db.session.scalar(sa.text(count), span)
    if not waiting:
        db.session.execute(sa.text(f"CREATE TABLE {name} PARTITION OF {TABLE} {values}"))
        return 0
    # The month already has rows in the default partition: PostgreSQL refuses a partition
    # that would take them, so they move to a table that is then attached.
    db.session.execute(sa.text(f"LOCK TABLE {DEFAULT} IN ACCESS EXCLUSIVE MODE"))
    db.session.execute(
        sa.text(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    move = (
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {in_range} RETURNING *) "  # noqa: S608
        f"INSERT INTO {name} SELECT * FROM moved"
    )
    moved = db.session.execute(sa.text(move), span).rowcount
    db.session.execute(sa.text(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} {values}"))
    return moved


def _create_missing(months: set[date], report: PartitionReport) -> PartitionReport:
    existing = set(partitions())
    for month in sorted(months):
        name = partition_name(month)
        if name not in existing:
            report.moved += _create_month(month)
            report.created.append(name)
    report.default_rows = default_rows()
    return report


def create_partitions(months: int, now: datetime | None = None) -> PartitionReport:
    """Make sure this month and the next ``months`` have partitions (idempotent).

    Months with rows waiting in the default partition get theirs too, and the rows move.
    The caller commits.
    """
    current = month_of(now or utcnow())
    wanted = {add_months(current, n) for n in range(months + 1)} | _months_in_default()
    return _create_missing(wanted, PartitionReport())


def ensure_span(first: datetime, last: datetime) -> PartitionReport:
    """Partitions for every month from ``first`` to ``last`` (history loaded in bulk)."""
    month, end = month_of(first), month_of(last)
    wanted = {month}
    while month < end:
        month = add_months(month, 1)
        wanted.add(month)
    return _create_missing(wanted, PartitionReport())
