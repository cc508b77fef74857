"""patrol rounds, their checkpoints, and closed missed-checkpoint alerts

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-27 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('patrol_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('ordered', sa.Boolean(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('interval_minutes BETWEEN 5 AND 1440', name=op.f('ck_patrol_rounds_interval_range')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_patrol_rounds_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_rounds'))
    )
    with op.batch_alter_table('patrol_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_rounds_zone_id'), ['zone_id'], unique=False)

    op.create_table('round_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoints.id'], name=op.f('fk_round_stops_checkpoint_id_checkpoints')),
    sa.ForeignKeyConstraint(['round_id'], ['patrol_rounds.id'], name=op.f('fk_round_stops_round_id_patrol_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_stops')),
    sa.UniqueConstraint('round_id', 'checkpoint_id', name='uq_round_stops_checkpoint'),
    sa.UniqueConstraint('round_id', 'position', name='uq_round_stops_position')
    )
    with op.batch_alter_table('round_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_stops_checkpoint_id'), ['checkpoint_id'], unique=False)

    op.create_table('missed_checkpoint_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_missed_checkpoint_closures_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoints.id'], name=op.f('fk_missed_checkpoint_closures_checkpoint_id_checkpoints')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_missed_checkpoint_closures_closed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_checkpoint_closures')),
    sa.UniqueConstraint('assignment_id', 'checkpoint_id', 'due_at', name='uq_missed_checkpoint_closures_miss')
    )
    with op.batch_alter_table('missed_checkpoint_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_missed_checkpoint_closures_assignment_id'), ['assignment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('missed_checkpoint_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missed_checkpoint_closures_assignment_id'))

    op.drop_table('missed_checkpoint_closures')
    with op.batch_alter_table('round_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_stops_checkpoint_id'))

    op.drop_table('round_stops')
    with op.batch_alter_table('patrol_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_rounds_zone_id'))

    op.drop_table('patrol_rounds')
