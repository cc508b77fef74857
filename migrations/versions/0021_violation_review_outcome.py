"""the supervisor's decision on a violation: approved or sent back to the officer

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 13:00:00

Adds violations.review_outcome ('approved' or 'returned', NULL while pending; rows
reviewed before this revision count as approved) and a partial index on the review
queue (violations still to decide, newest first).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_outcome", sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            "review_outcome",
            "review_outcome IS NULL OR review_outcome IN ('approved', 'returned')",
        )
    op.execute(
        "UPDATE violations SET review_outcome = 'approved' WHERE reviewed_at IS NOT NULL"
    )
    op.create_index(
        "ix_violations_review_queue",
        "violations",
        ["recorded_at"],
        postgresql_where=sa.text("reviewed_at IS NULL AND withdrawn_at IS NULL"),
        sqlite_where=sa.text("reviewed_at IS NULL AND withdrawn_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_violations_review_queue", table_name="violations")
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_constraint("review_outcome", type_="check")
        batch_op.drop_column("review_outcome")
