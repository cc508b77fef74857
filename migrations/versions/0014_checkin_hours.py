"""check-ins per office and hour (checkin_hours), filled from the existing check-ins

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_hours',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('hour_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checkins', sa.Integer(), nullable=False),
    sa.Column('peak_inside', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_checkin_hours_office_id_offices')),
    sa.PrimaryKeyConstraint('office_id', 'hour_start', name=op.f('pk_checkin_hours'))
    )
    with op.batch_alter_table('checkin_hours', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_hours_hour', ['hour_start'], unique=False)

    # The same set-based SQL as `flask rebuild-checkin-hours` and seed-load: one
    # INSERT ... SELECT with a window sum, never a loop over check-ins in Python.
    from patrol.services.occupancy_hours import rebuild_checkin_hours

    rebuild_checkin_hours(connection=op.get_bind())


def downgrade():
    with op.batch_alter_table('checkin_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_hours_hour')

    op.drop_table('checkin_hours')
