"""public complaints (aduan warga), and unscheduled visits

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 13:00:00

visits.unscheduled marks a visit started outside any shift of its officer in that zone
(di luar jadwal); existing visits without a shift are marked so. The complaints table
holds residents' complaints, their dispatch, and the visit that answered them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not a batch copy of the table: on SQLite the copy would drop
    # visits under rows that point at it (violations, crowd counts, scans).
    op.add_column(
        "visits",
        sa.Column("unscheduled", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE visits SET unscheduled = (assignment_id IS NULL)")

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("place_source", sa.String(length=5), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("photo_path", sa.String(length=200), nullable=True),
        sa.Column("reporter_phone", sa.String(length=20), nullable=True),
        sa.Column("reply_consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_officer_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_by_id", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.String(length=200), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180",
            name=op.f("ck_complaints_place"),
        ),
        sa.CheckConstraint(
            "place_source IN ('gps', 'pin', 'park')", name=op.f("ck_complaints_place_source")
        ),
        sa.CheckConstraint(
            "status IN ('received', 'assigned', 'accepted', 'done', 'rejected', 'merged')",
            name=op.f("ck_complaints_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_complaints_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_officer_id"],
            ["users.id"],
            name=op.f("fk_complaints_assigned_officer_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["complaints.id"],
            name=op.f("fk_complaints_merged_into_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["rejected_by_id"], ["users.id"], name=op.f("fk_complaints_rejected_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_complaints_visit_id_visits")
        ),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_complaints_zone_id_zones")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("code", name=op.f("uq_complaints_code")),
        sa.UniqueConstraint("uuid", name=op.f("uq_complaints_uuid")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_complaints_visit_id")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_created", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_complaints_officer_status", ["assigned_officer_id", "status"], unique=False
        )
        batch_op.create_index("ix_complaints_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_zone_id"), ["zone_id"], unique=False)


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_zone_id"))
        batch_op.drop_index("ix_complaints_status_created")
        batch_op.drop_index("ix_complaints_officer_status")
        batch_op.drop_index("ix_complaints_created")
    op.drop_table("complaints")
    # A plain DROP COLUMN (SQLite 3.35+ has it): a batch copy would drop visits under the
    # rows that point at it.
    op.execute("ALTER TABLE visits DROP COLUMN unscheduled")
