"""A progress update may carry a file (``progress_update.evidence_id``, an ``evidence`` row as
measurements and spending have): issue 14's "an optional link or file".

SQLite cannot add a named foreign key in place, so the table is rebuilt in batch mode ("move and
copy"), which drops its change-clock triggers: they are created again (0012's
``create_clock_triggers``), as 0010 does for 0008's. PostgreSQL alters the table in place.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 22:30:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _clock():
    """Migration 0012's trigger helpers, loaded from its file."""
    spec = importlib.util.spec_from_file_location(
        "quickwin_migration_0012", Path(__file__).with_name("0012_change_clock.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _triggers_again():
    if op.get_bind().dialect.name == 'sqlite':
        clock = _clock()
        clock.drop_clock_triggers(["progress_update"])  # (gone with the old table; to be sure)
        clock.create_clock_triggers(["progress_update"])


def upgrade():
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_progress_update_evidence_id_evidence'),
                                    'evidence', ['evidence_id'], ['id'], ondelete='SET NULL')
    _triggers_again()


def downgrade():
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_progress_update_evidence_id_evidence'),
                                 type_='foreignkey')
        batch_op.drop_column('evidence_id')
    _triggers_again()
