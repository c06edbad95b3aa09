"""Indicator trajectories (issue 14, item 4): ``indicator_plan`` (an indicator's planned value at
the end of a month or quarter, only where someone edited the plan: no rows, a straight line from
the baseline to the target) and ``indicator.plan_period`` ('month' or 'quarter'); the kept
statuses' planned progress and variance (``initiative_status.planned_progress``,
``progress_variance``), which the summary averages in SQL. See
``quickwin_tracker.lifecycle.trajectory``.

Achievement bands (item 5): ``initiative_status.band_1`` … ``band_8`` and ``unbanded``, how
many of the initiative's indicators fall in each configured band (at most eight), kept with its
status, which the summary sums per OPD and dimension in its one grouped query. See
``quickwin_tracker.lifecycle.bands``.

``indicator_plan`` is an input of the status rule: its changes bump the initiative's
``facts_version`` (0008's triggers, for this table) and move the ``change_clock`` (0012's).
Columns are added in place (ADD COLUMN), never by a batch "move and copy", which would drop the
triggers of ``indicator``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:00:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BAND_COLUMNS = (*(f"band_{n}" for n in range(1, 9)), "unbanded")
PLAN_INITIATIVE = ("(SELECT indicator.initiative_id FROM indicator "
                   "WHERE indicator.id = {row}.indicator_id)")


def _load(name, filename):
    """An earlier migration's helpers, loaded from its file (a module name starting with a digit
    cannot be imported plainly)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clock():
    return _load("quickwin_migration_0012", "0012_change_clock.py")


def _facts():
    """0008's ``facts_version`` trigger helpers, for ``indicator_plan`` only."""
    module = _load("quickwin_migration_0008", "0008_facts_version.py")
    module._SOURCES = {"indicator_plan": PLAN_INITIATIVE}
    return module


def upgrade():
    op.create_table(
        'indicator_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('planned', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'],
                                name=op.f('fk_indicator_plan_indicator_id_indicator'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_plan')),
        sa.UniqueConstraint('indicator_id', 'period_end',
                            name=op.f('uq_indicator_plan_indicator_id')),
    )
    # (ADD COLUMN, never a batch "move and copy": that would drop the tables' triggers)
    op.add_column('indicator', sa.Column('plan_period', sa.String(length=8),
                                         server_default='quarter', nullable=False))
    op.add_column('initiative_status', sa.Column('planned_progress', sa.Double(), nullable=True))
    op.add_column('initiative_status', sa.Column('progress_variance', sa.Double(), nullable=True))
    for column in BAND_COLUMNS:
        op.add_column('initiative_status', sa.Column(column, sa.Integer(), server_default='0',
                                                     nullable=False))
    _facts().create_facts_triggers()
    _clock().create_clock_triggers(["indicator_plan"])


def downgrade():
    _clock().drop_clock_triggers(["indicator_plan"])
    _facts().drop_facts_triggers()
    with op.batch_alter_table('initiative_status', schema=None, recreate='never') as batch_op:
        for column in reversed(BAND_COLUMNS):
            batch_op.drop_column(column)
        batch_op.drop_column('progress_variance')
        batch_op.drop_column('planned_progress')
    with op.batch_alter_table('indicator', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('plan_period')
    op.drop_table('indicator_plan')
