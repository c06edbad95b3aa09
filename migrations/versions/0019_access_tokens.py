"""Personal access tokens for the API (issue 15): ``access_token``, keeping each token's hash,
scope, expiry, revocation, last use and its rate-limit minute. A new table: no change-clock
triggers (the board and the summary do not read it).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 04:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_from', sa.String(length=45), nullable=True),
        sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('window_count', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f('ck_access_token_scope_valid')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_access_token_user_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'],
                                name=op.f('fk_access_token_revoked_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_access_token_token_hash')),
    )
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_token_user_id'))
    op.drop_table('access_token')
