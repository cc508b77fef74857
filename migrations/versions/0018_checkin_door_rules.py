"""check-in door rules: waiting visitors, per-office rules, purge blanks health answers

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 13:00:00

- ``checkins.status`` may be ``waiting``: a visitor at the door of a full office (or with
  a red pass) who is not counted inside until a guard admits or turns them away.
- ``offices.wait_when_full``, ``offices.hold_red`` (both on) and
  ``offices.after_hours_checkin`` (off): the office's own check-in rules.
- ``checkins.has_symptoms`` and ``checkins.vaccine_doses`` may be NULL: purging personal
  data blanks them with the name.

SQLite rebuilds ``checkins`` (batch mode) to change its check constraint (no table points
to it); the partial index of the people inside is dropped first and made again after,
with its condition. ``offices`` is altered in place on both databases.
Written by hand; no application code is imported.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

INSIDE = sa.text("checked_out_at IS NULL AND status = 'admitted'")
WITH_WAITING = "status IN ('admitted', 'waiting', 'turned_away')"
WITHOUT_WAITING = "status IN ('admitted', 'turned_away')"


def _checkins(status_check: str, nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # On the partitioned table both statements reach every partition.
        op.drop_constraint(op.f("ck_checkins_status"), "checkins", type_="check")
        op.create_check_constraint(op.f("ck_checkins_status"), "checkins", sa.text(status_check))
        for column in ("has_symptoms", "vaccine_doses"):
            op.alter_column("checkins", column, nullable=nullable)
        return
    op.drop_index("ix_checkins_inside", table_name="checkins")
    with op.batch_alter_table("checkins", recreate="always") as batch:
        batch.drop_constraint(op.f("ck_checkins_status"), type_="check")
        batch.create_check_constraint(op.f("ck_checkins_status"), sa.text(status_check))
        batch.alter_column("has_symptoms", existing_type=sa.Boolean(), nullable=nullable)
        batch.alter_column("vaccine_doses", existing_type=sa.Integer(), nullable=nullable)
    op.create_index(
        "ix_checkins_inside", "checkins", ["office_id", "checked_in_at"], sqlite_where=INSIDE
    )


def upgrade():
    # Plain ALTER TABLE on both databases: a batch rebuild of offices on SQLite would
    # drop a table that entrances and check-ins point to.
    op.add_column(
        "offices",
        sa.Column("wait_when_full", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "offices", sa.Column("hold_red", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column(
        "offices",
        sa.Column("after_hours_checkin", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _checkins(WITH_WAITING, nullable=True)


def downgrade():
    # Waiting visitors become turned away (never counted inside); blanked answers, "no".
    op.execute(
        "UPDATE checkins SET status = 'turned_away', "
        "checked_out_at = COALESCE(checked_out_at, checked_in_at) WHERE status = 'waiting'"
    )
    op.execute("UPDATE checkins SET has_symptoms = false WHERE has_symptoms IS NULL")
    op.execute("UPDATE checkins SET vaccine_doses = 0 WHERE vaccine_doses IS NULL")
    _checkins(WITHOUT_WAITING, nullable=False)
    for column in ("after_hours_checkin", "hold_red", "wait_when_full"):
        # SQLite 3.35+ drops a column in place (no rebuild of a referenced table).
        op.execute(f"ALTER TABLE offices DROP COLUMN {column}")
