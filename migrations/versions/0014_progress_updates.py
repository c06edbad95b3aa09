"""Progress updates (issue 14): ``progress_update`` (an owner's reported health and account of an
initiative), clocked like the other tables a board shows (its card shows the latest update);
``stage.update_cadence_days`` (how often updates are due in a stage; none: the deployment's).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 19:00:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _clock():
    """Migration 0012's trigger helpers, loaded from its file (a module name starting with a
    digit cannot be imported plainly)."""
    spec = importlib.util.spec_from_file_location(
        "quickwin_migration_0012", Path(__file__).with_name("0012_change_clock.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    op.create_table(
        'progress_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('health', sa.String(length=16), nullable=False),
        sa.Column('moved', sa.Text(), nullable=False),
        sa.Column('blocks', sa.Text(), nullable=False),
        sa.Column('next_steps', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("health IN ('on_track', 'at_risk', 'off_track')",
                           name=op.f('ck_progress_update_health_known')),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'],
                                name=op.f('fk_progress_update_author_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'],
                                name=op.f('fk_progress_update_initiative_id_initiative'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_update')),
    )
    op.create_index('ix_progress_update_initiative_created', 'progress_update',
                    ['initiative_id', 'created_at'], unique=False)
    # (ADD COLUMN, never a batch "move and copy": that would drop the stage's clock triggers)
    op.add_column('stage', sa.Column('update_cadence_days', sa.Integer(), nullable=True))
    _clock().create_clock_triggers(["progress_update"])


def downgrade():
    _clock().drop_clock_triggers(["progress_update"])
    with op.batch_alter_table('stage', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('update_cadence_days')
    op.drop_index('ix_progress_update_initiative_created', table_name='progress_update')
    op.drop_table('progress_update')
