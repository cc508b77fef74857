"""who is inside now: a partial index on the people inside (admitted, not checked out)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 09:30:00

Replaces ix_checkins_office_status_out (office_id, status, checked_out_at), which held
every check-in ever made: counting who is inside across all offices read all of it
(321 ms at a million check-ins on PostgreSQL). The partial index holds only the people
inside now; turned-away visitors, never checked out, stay out of it too. On PostgreSQL's
partitioned table the index is made on every partition.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INSIDE = sa.text("checked_out_at IS NULL AND status = 'admitted'")


def upgrade():
    op.create_index(
        "ix_checkins_inside",
        "checkins",
        ["office_id", "checked_in_at"],
        sqlite_where=INSIDE,
        postgresql_where=INSIDE,
    )
    op.drop_index("ix_checkins_office_status_out", table_name="checkins")


def downgrade():
    op.create_index(
        "ix_checkins_office_status_out", "checkins", ["office_id", "status", "checked_out_at"]
    )
    op.drop_index("ix_checkins_inside", table_name="checkins")
