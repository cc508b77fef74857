"""check-in keys in a table of their own; on PostgreSQL check-ins partitioned by month

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 08:40:00

Both databases: the client UUID and the check-out secret stop being unique columns of
``checkins`` and become the keys of ``checkin_keys`` (backfilled here), because
PostgreSQL enforces a unique index on a partitioned table only when it holds the
partition key.

PostgreSQL only: ``checkins`` becomes a table partitioned by range of ``checked_in_at``,
one partition per UTC month from the first month on record to three months ahead of
now (or of the last row), plus ``checkins_default``; primary key (id, checked_in_at);
the same check constraints, indexes and foreign keys; ids unchanged and the same
``checkins_id_seq`` sequence. Rows are copied month by month, then the old table is
dropped, all in this migration's transaction under an ACCESS EXCLUSIVE lock: an offline
migration (stop the app and the timers first; docs/scaling.md has the figures).
The downgrade copies the rows back into a plain table.

Written by hand; no application code is imported, so it stays as it is now.
"""

from datetime import date, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MONTHS_AHEAD = 3


def _month(moment):
    moment = moment.astimezone(timezone.utc)
    return date(moment.year, moment.month, 1)


def _add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _literal(month):
    return f"'{month.isoformat()} 00:00:00+00'"


def _indexes(bind, table):
    """CREATE INDEX statements of a table's plain indexes (not its constraints)."""
    rows = bind.execute(
        sa.text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass(:t) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname"
        ),
        {"t": table},
    )
    # A partitioned table's index is defined "ON ONLY" the parent; a plain one is not.
    return [definition.replace(" ON ONLY ", " ON ") for (definition,) in rows]


def _foreign_keys(bind, table):
    rows = bind.execute(
        sa.text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(:t) AND contype = 'f' ORDER BY conname"
        ),
        {"t": table},
    )
    return list(rows)


def _swap(bind, build_sql, copy_statements, primary_key):
    """Replace checkins by a new table built by ``build_sql``, keeping rows, ids and sequence.

    The new table is ``checkins_new``; indexes, the primary key and the foreign keys are
    added after the copy (faster than maintaining them row by row).
    """
    op.execute("LOCK TABLE checkins IN ACCESS EXCLUSIVE MODE")
    indexes = _indexes(bind, "checkins")
    foreign_keys = _foreign_keys(bind, "checkins")
    before = bind.execute(sa.text("SELECT count(*) FROM checkins")).scalar()
    # The sequence would go with the old table; it stays, and so do the ids it gave.
    op.execute("ALTER SEQUENCE checkins_id_seq OWNED BY NONE")
    for statement in build_sql:
        op.execute(statement)
    for statement in copy_statements:
        op.execute(statement)
    after = bind.execute(sa.text("SELECT count(*) FROM checkins_new")).scalar()
    if after != before:
        raise RuntimeError(f"check-ins copied: {after} of {before}; nothing was changed")
    op.execute("DROP TABLE checkins")
    op.execute("ALTER TABLE checkins_new RENAME TO checkins")
    op.execute("ALTER SEQUENCE checkins_id_seq OWNED BY checkins.id")
    op.execute(f"ALTER TABLE checkins ADD CONSTRAINT pk_checkins PRIMARY KEY ({primary_key})")
    for statement in indexes:
        op.execute(statement)
    for name, definition in foreign_keys:
        op.execute(f"ALTER TABLE checkins ADD CONSTRAINT {name} {definition}")


def _partition(bind):
    low, high, now = bind.execute(
        sa.text("SELECT min(checked_in_at), max(checked_in_at), now() FROM checkins")
    ).one()
    first = _month(low or now)
    last = _add_months(max(_month(high or now), _month(now)), MONTHS_AHEAD)
    months = [first]
    while months[-1] < last:
        months.append(_add_months(months[-1], 1))
    build = [
        "CREATE TABLE checkins_new (LIKE checkins INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        "PARTITION BY RANGE (checked_in_at)"
    ]
    copy = []
    for month in months:
        name = f"checkins_{month.year:04d}_{month.month:02d}"
        start, end = _literal(month), _literal(_add_months(month, 1))
        build.append(
            f"CREATE TABLE {name} PARTITION OF checkins_new FOR VALUES FROM ({start}) TO ({end})"
        )
        copy.append(
            f"INSERT INTO checkins_new SELECT * FROM checkins "
            f"WHERE checked_in_at >= {start} AND checked_in_at < {end}"
        )
    build.append("CREATE TABLE checkins_default PARTITION OF checkins_new DEFAULT")
    _swap(bind, build, copy, "id, checked_in_at")


def _unpartition(bind):
    build = ["CREATE TABLE checkins_new (LIKE checkins INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"]
    copy = ["INSERT INTO checkins_new SELECT * FROM checkins ORDER BY id"]
    _swap(bind, build, copy, "id")


def upgrade():
    # The keys go in first and their unique indexes are built after: one sort instead
    # of a million random B-tree insertions.
    op.create_table(
        "checkin_keys",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("checkout_secret", sa.String(length=64), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO checkin_keys (uuid, checkout_secret, checkin_id, checked_in_at) "
        "SELECT uuid, checkout_secret, id, checked_in_at FROM checkins"
    )
    with op.batch_alter_table("checkin_keys", schema=None) as batch_op:
        batch_op.create_primary_key(op.f("pk_checkin_keys"), ["uuid"])
        batch_op.create_unique_constraint(
            op.f("uq_checkin_keys_checkout_secret"), ["checkout_secret"]
        )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_constraint("uq_checkins_uuid", type_="unique")
        batch_op.drop_constraint("uq_checkins_checkout_secret", type_="unique")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _partition(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _unpartition(bind)
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_checkins_checkout_secret", ["checkout_secret"])
        batch_op.create_unique_constraint("uq_checkins_uuid", ["uuid"])
    op.drop_table("checkin_keys")
