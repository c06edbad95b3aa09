"""Where each user signs in from (issue 16): ``user.auth_source`` (local, oidc or ldap),
``external_id`` (the OpenID issuer and subject, or the LDAP entry's DN), unique per source, and
the mapping rule that last set the role and unit (``identity_rule``, ``identity_applied_at``).

Columns are added in place (no table rebuild), so the change-clock triggers on ``user`` stay.
The lead re-chains this after the TOTP branch's 0021 at merge.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 14:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('auth_source', sa.String(length=8), server_default='local',
                                    nullable=False))
    op.add_column('user', sa.Column('external_id', sa.String(length=500), nullable=True))
    op.add_column('user', sa.Column('identity_rule', sa.String(length=300), nullable=True))
    op.add_column('user', sa.Column('identity_applied_at', sa.DateTime(timezone=True),
                                    nullable=True))
    op.create_index('ix_user_auth_source_external_id', 'user', ['auth_source', 'external_id'],
                    unique=True)


def downgrade():
    op.drop_index('ix_user_auth_source_external_id', table_name='user')
    # In place on SQLite too (3.35+ drops columns), keeping the triggers on ``user``.
    for column in ('identity_applied_at', 'identity_rule', 'external_id', 'auth_source'):
        op.drop_column('user', column)
