"""``user.session_token``: the secret every session and remember-me cookie of a user carries.

A new token ends all of the user's sessions at once (logout, password change or reset,
deactivation, an admin's "sign out everywhere"). Each existing user gets a random token here;
sessions signed in before this revision (their ids carried a password fingerprint instead) load
nobody, so everyone signs in once more.

The column is added with ``ALTER TABLE … ADD COLUMN`` on SQLite too (NOT NULL with an empty
default, which SQLite allows) and dropped with ``DROP COLUMN`` (SQLite 3.35+): the ``user`` table
is never rebuilt, since rebuilding it with foreign keys on would fire the ON DELETE actions of
every table that refers to users.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), server_default='',
                                      nullable=False))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(user.update().where(user.c.id == user_id)
                           .values(session_token=secrets.token_urlsafe(32)))


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('session_token')
