"""export jobs: long exports run off the request path, their progress and file

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 13:00:00

One row per export run as a background job (services.export_jobs): who asked, which
report and filters, progress (rows done of rows expected), and the file's expiry.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("fmt", sa.String(length=10), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_expected", sa.Integer(), nullable=True),
        sa.Column("download_name", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_export_jobs_status"),
        ),
        sa.CheckConstraint("rows_done >= 0", name=op.f("ck_export_jobs_rows_done")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_export_jobs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
        sa.UniqueConstraint("token", name=op.f("uq_export_jobs_token")),
    )
    op.create_index("ix_export_jobs_user_created", "export_jobs", ["user_id", "created_at"])
    op.create_index("ix_export_jobs_expires", "export_jobs", ["expires_at"])


def downgrade():
    op.drop_index("ix_export_jobs_expires", table_name="export_jobs")
    op.drop_index("ix_export_jobs_user_created", table_name="export_jobs")
    op.drop_table("export_jobs")
