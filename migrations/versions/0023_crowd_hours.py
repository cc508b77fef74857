"""crowd counts per zone and WIB hour (crowd_hours), filled from the existing counts

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 13:00:00

The busy-hour forecasts read this summary instead of the counts (patrol/forecast.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('crowd_hours',
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('counts', sa.Integer(), nullable=False),
    sa.Column('headcount_sum', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('counts >= 0', name=op.f('ck_crowd_hours_counts_positive')),
    sa.CheckConstraint('hour BETWEEN 0 AND 23', name=op.f('ck_crowd_hours_hour_range')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_crowd_hours_zone_id_zones')),
    sa.PrimaryKeyConstraint('zone_id', 'day', 'hour', name=op.f('pk_crowd_hours'))
    )
    with op.batch_alter_table('crowd_hours', schema=None) as batch_op:
        batch_op.create_index('ix_crowd_hours_day', ['day'], unique=False)

    # The same set-based SQL as `flask rebuild-crowd-hours` and seed-load.
    from patrol.services.crowd_hours import rebuild_crowd_hours

    rebuild_crowd_hours(connection=op.get_bind())


def downgrade():
    with op.batch_alter_table('crowd_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_crowd_hours_day')

    op.drop_table('crowd_hours')
