"""Indexes for reading at city scale: open milestones per initiative, and the live board's tag.

- ``ix_milestone_initiative_open``: the status of a page of cards reads the open milestones of
  those initiatives; without it SQLite walked every open milestone in the city.
- ``ix_initiative_changes``: the live board's version tag (count, sum of versions, latest update)
  is computed from this index alone instead of a scan of the initiative rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 01:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_initiative_open',
                              ['initiative_id', 'done_on', 'due_date'], unique=False)
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index('ix_initiative_changes', ['updated_at', 'version'], unique=False)


def downgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index('ix_initiative_changes')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_initiative_open')
