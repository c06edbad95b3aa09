"""The trail's index on ``created_at`` also carries ``initiative_id`` (``ix_activity_created_initiative``
replaces ``ix_activity_created_at``): "which initiatives showed a sign of life since …" (the
summary's stale counts, read on every summary) is answered from the index alone, without a
visit to each of the period's rows. Every reader of the old index reads the new one the same way.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 22:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # (plain CREATE and DROP INDEX: no batch rebuild, which would drop the trail's triggers)
    op.create_index('ix_activity_created_initiative', 'activity', ['created_at', 'initiative_id'],
                    unique=False)
    op.drop_index('ix_activity_created_at', table_name='activity')


def downgrade():
    op.create_index('ix_activity_created_at', 'activity', ['created_at'], unique=False)
    op.drop_index('ix_activity_created_initiative', table_name='activity')
