"""Check-ins per office and hour (table ``checkin_hours``), kept up to date at write time.

The office check-in report reads this summary instead of the check-ins themselves, so its
cost follows the hours in the period, not the people who came. Each row holds, for one
office and one UTC hour, the admitted check-ins of that hour and the most people inside
at any check-in of that hour (the peak can only rise when someone comes in).

"Inside at moment t" means everywhere the same thing: admitted, checked in at or before
t, and neither checked out by t nor past the office's first closing time after the
check-in. A stay ends at whichever comes first: ``close_offices`` (which runs lazily)
checks out at closing time anyone still inside, and the count does not wait for it; a
guard checking out the next morning someone forgotten overnight does not make them count
inside all night.

``rebuild_checkin_hours`` recomputes the table from the check-ins, set-based in SQL: the
migration's backfill, ``seed-load`` and ``flask rebuild-checkin-hours`` use it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CheckIn, CheckinHour, UTCDateTime
from patrol.rules import checkin as checkin_rules
from patrol.rules.timeutil import LOCAL_TIMEZONE, WIB_OFFSET_HOURS


def hour_start(at: datetime) -> datetime:
    """The UTC hour that contains ``at`` (WIB is a whole 7 hours ahead: a WIB hour too)."""
    return at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


# record_checkin's statement, per dialect. It was built with SQLAlchemy's dialect
# ``insert(...).on_conflict_do_update``, which SQLAlchemy never caches (that Insert sets
# inherit_cache = False): building and compiling it cost about 1.6 ms of CPU per
# check-in, more than the rest of its statements together (bench/frame_profile.py). As
# text, built once per dialect, it is parsed once and only run. INSERT ... SELECT so the
# count and the upsert are one round trip; the WHERE keeps SQLite's parser from reading
# ON CONFLICT as a join constraint.
_RECORD_SQL = """
INSERT INTO checkin_hours (office_id, hour_start, checkins, peak_inside)
SELECT :office_id, :hour_start, 1, (
    SELECT count(c.id) FROM checkins AS c
    WHERE c.office_id = :office_id AND c.status = 'admitted'
      AND c.checked_in_at > :since AND c.checked_in_at <= :at
      AND (c.checked_out_at IS NULL OR c.checked_out_at > :at)
) WHERE 1 = 1
ON CONFLICT (office_id, hour_start) DO UPDATE SET
    checkins = checkin_hours.checkins + excluded.checkins,
    peak_inside = {greatest}(checkin_hours.peak_inside, excluded.peak_inside)
"""
_RECORD: dict[str, sa.TextClause] = {}


def _record_statement(dialect: str) -> sa.TextClause:
    statement = _RECORD.get(dialect)
    if statement is None:
        greatest = "greatest" if dialect == "postgresql" else "max"
        statement = _RECORD[dialect] = sa.text(_RECORD_SQL.format(greatest=greatest)).bindparams(
            sa.bindparam("office_id", type_=sa.Integer),
            *(sa.bindparam(name, type_=UTCDateTime()) for name in ("hour_start", "since", "at")),
        )
    return statement


def record_checkin(checkin: CheckIn) -> None:
    """Count a newly added check-in in its hour and raise the hour's peak (one statement).

    The count is of the people inside at the check-in (see the module's words): admitted,
    in since the office's last closing before it (``closing_after(checked_in_at) > at``
    as a range on the check-in time), not checked out by then. The hour's count is
    incremented under the row's lock: exact with any number of writers.

    Call it once, right after the new row is flushed (a retry returning the first row
    must not call it). A turned-away visitor is not counted.
    """
    if checkin.status != "admitted":
        return
    at = checkin.checked_in_at
    db.session.execute(
        _record_statement(db.session.get_bind().dialect.name),
        {
            "office_id": checkin.office_id,
            "hour_start": hour_start(at),
            "since": checkin_rules.last_closing(at, checkin.office.closes_at),
            "at": at,
        },
    )


def forget_checkin(checkin: CheckIn) -> None:
    """Take back the count of an admitted check-in that the guard turned away afterwards.

    The hour's peak stays: the visitor was counted inside until the guard acted.
    """
    db.session.execute(
        sa.update(CheckinHour)
        .where(
            CheckinHour.office_id == checkin.office_id,
            CheckinHour.hour_start == hour_start(checkin.checked_in_at),
            CheckinHour.checkins > 0,
        )
        .values(checkins=CheckinHour.checkins - 1)
    )


# The rebuild, in plain SQL per dialect ------------------------------------------------
# Every admitted stay becomes two events, +1 at check-in and -1 at check-out or at the
# end of its day (the office's closing time, or midnight WIB for a check-in after
# closing: checkin_rules.closing_after), whichever is first (a NULL check-out
# is never "<", so the closing time). A running sum over the events of each office, outs
# before ins at the same instant, is the number inside; each hour keeps its check-ins and
# the highest running sum at one of them. Only constant fragments are pasted into the SQL
# text below; the one value (since) is bound.

_TZ = LOCAL_TIMEZONE
_PG_LOCAL_DAY = f"CAST(c.checked_in_at AT TIME ZONE '{_TZ}' AS date)"
_SQL = {
    "postgresql": {
        "hour": "date_trunc('hour', {at} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
        "closing": (
            f"(CASE WHEN {_PG_LOCAL_DAY} + o.closes_at < c.checked_in_at AT TIME ZONE '{_TZ}'"
            f" THEN {_PG_LOCAL_DAY} + interval '1 day'"
            f" ELSE {_PG_LOCAL_DAY} + o.closes_at END) AT TIME ZONE '{_TZ}'"
        ),
    },
    # SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text (UTC here): built in the
    # same form, they compare and sort as the instants they are.
    "sqlite": {
        "hour": "strftime('%Y-%m-%d %H:00:00.000000', {at})",
        "closing": (
            "(CASE WHEN {local_close} < c.checked_in_at"
            " THEN strftime('%Y-%m-%d %H:%M:%S.000000',"
            f" date(c.checked_in_at, '+{WIB_OFFSET_HOURS} hours', '+1 day'),"
            f" '-{WIB_OFFSET_HOURS} hours')"
            " ELSE {local_close} END)"
        ).format(
            local_close=(
                "strftime('%Y-%m-%d %H:%M:%S.000000',"
                f" date(c.checked_in_at, '+{WIB_OFFSET_HOURS} hours') || ' ' || o.closes_at,"
                f" '-{WIB_OFFSET_HOURS} hours')"
            )
        ),
    },
}


def _rebuild_sql(dialect: str, since: bool) -> tuple[sa.TextClause, sa.TextClause]:
    parts = _SQL["postgresql" if dialect == "postgresql" else "sqlite"]
    hour = parts["hour"].format(at="at")
    # Stays that began before the first rebuilt hour still count inside after it.
    stays_since = (
        " AND (c.checked_in_at >= :since OR c.checked_out_at IS NULL OR c.checked_out_at > :since)"
        if since
        else ""
    )
    insert = f"""
        INSERT INTO checkin_hours (office_id, hour_start, checkins, peak_inside)
        WITH stays AS (
            SELECT c.office_id, c.checked_in_at AS in_at,
                   CASE WHEN c.checked_out_at < {parts["closing"]} THEN c.checked_out_at
                        ELSE {parts["closing"]} END AS out_at
            FROM checkins c JOIN offices o ON o.id = c.office_id
            WHERE c.status = 'admitted'{stays_since}
        ),
        events AS (
            SELECT office_id, in_at AS at, 1 AS step FROM stays
            UNION ALL
            SELECT office_id, out_at AS at, -1 AS step FROM stays
        ),
        running AS (
            SELECT office_id, at, step,
                   SUM(step) OVER (PARTITION BY office_id ORDER BY at, step) AS inside
            FROM events
        )
        SELECT office_id, {hour}, COUNT(*), MAX(inside)
        FROM running
        WHERE step = 1{" AND at >= :since" if since else ""}
        GROUP BY office_id, {hour}
    """  # noqa: S608 - constant fragments only
    delete = "DELETE FROM checkin_hours"
    if since:
        delete += " WHERE hour_start >= :since"
    statements = [sa.text(delete), sa.text(insert)]
    if since:
        statements = [s.bindparams(sa.bindparam("since", type_=UTCDateTime())) for s in statements]
    return statements[0], statements[1]


def rebuild_checkin_hours(since: datetime | None = None, connection=None) -> int:
    """Recompute the summary from the check-ins (all, or from the hour of ``since`` on).

    Two statements (a delete and an INSERT ... SELECT); returns the rows written. Runs
    on ``connection`` when given (the migration), else in the session's transaction.
    """
    if connection is None:
        db.session.flush()  # text() statements do not autoflush pending rows
    run = connection if connection is not None else db.session
    dialect = (connection or db.session.get_bind()).dialect.name
    delete, insert = _rebuild_sql(dialect, since is not None)
    params = {"since": hour_start(since)} if since is not None else {}
    if dialect == "postgresql":
        # Check-ins wait until the rebuild commits, then add to the rebuilt rows; those
        # already writing are waited for, and seen. (SQLite has one writer anyway.)
        run.execute(sa.text("LOCK TABLE checkin_hours IN SHARE ROW EXCLUSIVE MODE"))
    run.execute(delete, params)
    result = run.execute(insert, params)
    return result.rowcount
