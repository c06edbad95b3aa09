"""Budget and realisation (issue 14 item 6): ``initiative_budget`` (an initiative's planned APBD
budget in whole Rupiah and its programme/activity code) and ``spending`` (money realised, with
evidence; withdrawn with a reason, never edited). Both move the ``change_clock`` like the other
tables a page or the summary reads. New tables only: no batch rebuild of a clocked table.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 21:30:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ["initiative_budget", "spending"]


def _clock():
    """Migration 0012's trigger helpers, loaded from its file (as 0014 does)."""
    spec = importlib.util.spec_from_file_location(
        "quickwin_migration_0012", Path(__file__).with_name("0012_change_clock.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    op.create_table(
        'initiative_budget',
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('planned', sa.BigInteger(), nullable=False),
        sa.Column('program_code', sa.String(length=60), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('planned >= 0', name=op.f('ck_initiative_budget_planned_not_negative')),
        sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'],
                                name=op.f('fk_initiative_budget_initiative_id_initiative'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_initiative_budget_updated_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('initiative_id', name=op.f('pk_initiative_budget')),
    )
    op.create_table(
        'spending',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('initiative_id', sa.Integer(), nullable=False),
        sa.Column('spent_on', sa.Date(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_reason', sa.Text(), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_spending_amount_positive')),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'],
                                name=op.f('fk_spending_evidence_id_evidence'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'],
                                name=op.f('fk_spending_initiative_id_initiative'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'],
                                name=op.f('fk_spending_recorded_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'],
                                name=op.f('fk_spending_withdrawn_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spending')),
    )
    op.create_index('ix_spending_initiative_spent_on', 'spending', ['initiative_id', 'spent_on'],
                    unique=False)
    _clock().create_clock_triggers(TABLES)


def downgrade():
    _clock().drop_clock_triggers(TABLES)
    op.drop_index('ix_spending_initiative_spent_on', table_name='spending')
    op.drop_table('spending')
    op.drop_table('initiative_budget')
