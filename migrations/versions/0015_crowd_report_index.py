"""crowd report: a covering index on crowd counts by time

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 10:00:00

Replaces ix_crowd_counts_recorded (recorded_at) with (recorded_at, zone_id, headcount,
withdrawn_at): the crowd report aggregates a period's counts per zone and day, and with
every column it reads in the index it no longer visits the rows (docs/benchmarks.md,
"Report growth").
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_crowd_counts_recorded_cover",
        "crowd_counts",
        ["recorded_at", "zone_id", "headcount", "withdrawn_at"],
    )
    op.drop_index("ix_crowd_counts_recorded", table_name="crowd_counts")


def downgrade():
    op.create_index("ix_crowd_counts_recorded", "crowd_counts", ["recorded_at"])
    op.drop_index("ix_crowd_counts_recorded_cover", table_name="crowd_counts")
