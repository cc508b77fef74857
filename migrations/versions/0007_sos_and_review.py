"""officer SOS alerts, the admin's review of violations, and date indexes for reports

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-27 04:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sos_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_sos_alerts_acknowledged_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_sos_alerts_officer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sos_alerts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_sos_alerts_uuid")),
    )
    with op.batch_alter_table("sos_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_sos_alerts_open", ["acknowledged_at", "raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sos_alerts_officer_id"), ["officer_id"], unique=False)

    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_comment", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_violations_reviewed_by_id_users"), "users", ["reviewed_by_id"], ["id"]
        )

    # City-wide reports filter by date alone, across every zone, office and officer.
    op.create_index("ix_assignments_starts", "assignments", ["starts_at"], unique=False)
    op.create_index("ix_visits_started", "visits", ["started_at"], unique=False)
    op.create_index("ix_crowd_counts_recorded", "crowd_counts", ["recorded_at"], unique=False)
    op.create_index("ix_checkins_in", "checkins", ["checked_in_at"], unique=False)
    op.create_index(
        "ix_checkins_office_status_out",
        "checkins",
        ["office_id", "status", "checked_out_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_checkins_office_status_out", table_name="checkins")
    op.drop_index("ix_checkins_in", table_name="checkins")
    op.drop_index("ix_crowd_counts_recorded", table_name="crowd_counts")
    op.drop_index("ix_visits_started", table_name="visits")
    op.drop_index("ix_assignments_starts", table_name="assignments")

    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_violations_reviewed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("review_comment")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("reviewed_at")

    with op.batch_alter_table("sos_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sos_alerts_officer_id"))
        batch_op.drop_index("ix_sos_alerts_open")

    op.drop_table("sos_alerts")
