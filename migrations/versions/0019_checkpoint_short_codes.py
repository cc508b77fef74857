"""checkpoint short codes: a code an officer can type when the camera fails

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 13:00:00

Adds checkpoints.short_code (6 characters without look-alikes, unique), printed under
each checkpoint's QR code. Existing checkpoints get a fresh random code here.
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# A copy of patrol.models.SHORT_CODE_ALPHABET: a migration does not import the app.
ALPHABET = "ACEFHJKMNPRTWXY34679"


def _codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(6)))
    return list(codes)


def upgrade():
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_code", sa.String(length=8), nullable=True))
    conn = op.get_bind()
    checkpoints = sa.table("checkpoints", sa.column("id"), sa.column("short_code"))
    ids = list(conn.scalars(sa.select(checkpoints.c.id).order_by(checkpoints.c.id)))
    for checkpoint_id, code in zip(ids, _codes(len(ids)), strict=True):
        conn.execute(
            checkpoints.update().where(checkpoints.c.id == checkpoint_id).values(short_code=code)
        )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.alter_column("short_code", existing_type=sa.String(length=8), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_checkpoints_short_code"), ["short_code"])


def downgrade():
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_checkpoints_short_code"), type_="unique")
        batch_op.drop_column("short_code")
