"""``initiative_status``: each initiative's derived status as last computed (with its progress,
outcome counts, overdue milestones and last rollout), with the inputs it was computed from, so
the summary counts them in SQL (issue 13's speed target); ``status_refresh``: the basis and
``change_clock`` tick at which they were last all current; indexes for "what happened lately"
on measurements and comments (the summary's stale counts). See
``quickwin_tracker.lifecycle.kept``.

The table starts empty: the first summary (or the nightly refresh) fills it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 18:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'initiative_status',
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=80), nullable=False),
        sa.Column('facts_version', sa.Integer(), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('target_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Double(), nullable=True),
        sa.Column('indicators_met', sa.Integer(), nullable=False),
        sa.Column('indicators_behind', sa.Integer(), nullable=False),
        sa.Column('indicators_unmeasured', sa.Integer(), nullable=False),
        sa.Column('measured', sa.Boolean(), nullable=False),
        sa.Column('overdue_milestones', sa.Integer(), nullable=False),
        sa.Column('rolled_out_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'],
                                name=op.f('fk_initiative_status_initiative_id_initiative'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('initiative_id', name=op.f('pk_initiative_status')),
    )
    op.create_table(
        'status_refresh',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=80), nullable=False),
        sa.Column('tick', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_status_refresh_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_status_refresh')),
    )
    # (plain CREATE INDEX, never a batch "move and copy": that would drop the tables' triggers)
    op.create_index('ix_measurement_recorded_at', 'measurement', ['recorded_at'], unique=False)
    op.create_index('ix_comment_created_at', 'comment', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_comment_created_at', table_name='comment')
    op.drop_index('ix_measurement_recorded_at', table_name='measurement')
    op.drop_table('status_refresh')
    op.drop_table('initiative_status')
