"""a week's patrol scans by time, and the open visits: two indexes

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 00:10:00

`make report-history` on PostgreSQL found two queries that read all of history to answer
for now or for a week. The dashboard's officers with an open visit scanned every visit
ever made (no index on ``ended_at IS NULL``: 24 ms at a year, 14 000 visits, plus a JIT
compile its cost estimate set off); a partial index holds only the open ones. The
missed-checkpoint count read the week's scans by checkpoint, which PostgreSQL answered by
scanning every scan when the list named every checkpoint; an index on ``recorded_at``
reads only the week.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OPEN = sa.text("ended_at IS NULL")


def upgrade():
    op.create_index(
        "ix_visits_open", "visits", ["officer_id"], sqlite_where=OPEN, postgresql_where=OPEN
    )
    op.create_index("ix_checkpoint_scans_recorded", "checkpoint_scans", ["recorded_at"])


def downgrade():
    op.drop_index("ix_checkpoint_scans_recorded", table_name="checkpoint_scans")
    op.drop_index("ix_visits_open", table_name="visits")
