"""Notification channels (issue 16 item 4): email, Telegram, or both, per kind of message.

- ``outbox_message.channel``: the outbox stays the one durable queue; a row is an email or a
  Telegram message (``to_address`` then holds the chat id), every existing row is an email;
- ``user.notification_channels`` (JSON, ``{}``: everything by email), ``user.telegram_chat_id``
  (unique index), ``telegram_linked_at``, ``telegram_blocked_at``;
- ``telegram_link_token``: one-time deep-link tokens, stored hashed;
- ``telegram_update``: the bot updates handled, once each.

``user`` gets its columns and a unique index without a rebuild (``recreate='never'``), as in 0011;
``outbox_message`` is rebuilt in SQLite batch mode for its check constraint (it has no triggers).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 14:30:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('telegram_update',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_telegram_update'))
    )
    op.create_table('telegram_link_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_telegram_link_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_link_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_telegram_link_token_token_hash'))
    )
    with op.batch_alter_table('telegram_link_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_link_token_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='email', nullable=False))
        batch_op.create_check_constraint(op.f('ck_outbox_message_channel_valid'), "channel IN ('email', 'telegram')")

    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('notification_channels', json, server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('telegram_chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('telegram_linked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('telegram_blocked_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_user_telegram_chat_id'), 'user', ['telegram_chat_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_user_telegram_chat_id'), table_name='user')
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('telegram_blocked_at')
        batch_op.drop_column('telegram_linked_at')
        batch_op.drop_column('telegram_chat_id')
        batch_op.drop_column('notification_channels')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_message_channel_valid'), type_='check')
        batch_op.drop_column('channel')

    with op.batch_alter_table('telegram_link_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_link_token_user_id'))

    op.drop_table('telegram_link_token')
    op.drop_table('telegram_update')
