"""The live board's ``change_clock``: one row whose ``tick`` the database moves on whenever a row
that a board shows changes, whoever writes it (the app, an import, the CLI, hand-written SQL).
``board.live.board_version`` reads it; open boards poll it (``GET /board/version``).

It replaces the tag made of (count of initiatives, sum of their versions, latest ``updated_at``,
newest activity id), which could miss a change on PostgreSQL: ids come from a sequence in the
order transactions *ask* for them, not the order they commit, so a transaction holding a lower
activity id that committed after a higher one left the tag as it was. Its index
``ix_initiative_changes`` served only that tag and is dropped.

The tables (``CLOCKED``): ``initiative``, ``milestone``, ``indicator``, ``measurement``,
``initiative_member``, ``initiative_tag``, ``stage``, ``dimension``, ``unit``, ``tag``, and
``user`` when a name, role, unit or "active" changes (owners' names on cards, the owner filter;
not sign-ins, settings or tokens). Not ``activity``, comments, reviews, evidence or mail: no board
shows them, and every change a board does show writes one of the tables above.

- **PostgreSQL**: ``CONSTRAINT TRIGGER … DEFERRABLE INITIALLY DEFERRED`` on each table, so the
  bump runs at COMMIT, after the transaction's own work; the function bumps once per transaction
  (a transaction-local ``set_config`` flag) and the row lock on ``change_clock`` is held only from
  then to the end of the commit. Writers queue on it for that instant only and take no other lock
  after it: they cannot deadlock on it. Each committed tick is the previous committed tick + 1,
  taken under the row lock, so ticks follow commit order. TRUNCATE (no row triggers) bumps through
  a statement trigger. The app writes at READ COMMITTED, where a writer that waited re-reads the
  tick; a REPEATABLE READ or SERIALIZABLE writer meeting a concurrent bump gets a serialisation
  error at commit and must retry. A bulk write queues one (small) deferred event per row.
- **SQLite**: writers are serialised by the database lock, so plain row triggers (one bump per
  changed row) do the same.

A later migration that rebuilds one of these tables in SQLite batch mode ("move and copy") drops
its triggers and must create them again (``create_clock_triggers([table])``), as 0010 does for
0008's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Every change of these rows moves the clock.
CLOCKED = ("initiative", "milestone", "indicator", "measurement", "initiative_member",
           "initiative_tag", "stage", "dimension", "unit", "tag")
# ``user``: inserts, deletes, and updates of these columns only (a sign-in writes
# ``last_login_at``, the board's settings ``board_settings``: no board shows them).
USER_COLUMNS = ("name", "role", "unit_id", "active")
FLAG = "quickwin.change_clock_bumped"


def upgrade():
    op.drop_index('ix_initiative_changes', table_name='initiative')  # in place, no rebuild
    op.create_table(
        'change_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tick', sa.BigInteger(), server_default='0', nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_change_clock_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_clock')),
    )
    op.execute("INSERT INTO change_clock (id, tick) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION change_clock_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Once per transaction: deferred, every changed row fires this at COMMIT.
                IF current_setting('{FLAG}', true) IS DISTINCT FROM 'on' THEN
                    PERFORM set_config('{FLAG}', 'on', true);
                    UPDATE change_clock SET tick = tick + 1 WHERE id = 1;
                END IF;
                RETURN NULL;
            END $$;
        """)
    create_clock_triggers()


def _user_changed(old: str, new: str, distinct: str) -> str:
    return " OR ".join(f"{old}.{c} {distinct} {new}.{c}" for c in USER_COLUMNS)


def create_clock_triggers(tables=(*CLOCKED, "user")):
    """The triggers of ``tables`` (all by default): again after a SQLite batch rebuild."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            deferred = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            run = "EXECUTE FUNCTION change_clock_bump()"
            if table == "user":
                op.execute(f'CREATE CONSTRAINT TRIGGER user_moves_change_clock AFTER INSERT OR '
                           f'DELETE ON "user" {deferred} {run}')
                op.execute(f'CREATE CONSTRAINT TRIGGER user_update_moves_change_clock AFTER '
                           f'UPDATE OF {", ".join(USER_COLUMNS)} ON "user" {deferred} '
                           f'WHEN ({_user_changed("OLD", "NEW", "IS DISTINCT FROM")}) {run}')
            else:
                op.execute(f'CREATE CONSTRAINT TRIGGER {table}_moves_change_clock AFTER INSERT OR '
                           f'UPDATE OR DELETE ON "{table}" {deferred} {run}')
            op.execute(f'CREATE TRIGGER {table}_truncate_moves_change_clock AFTER TRUNCATE ON '
                       f'"{table}" FOR EACH STATEMENT {run}')
        else:
            bump = "BEGIN UPDATE change_clock SET tick = tick + 1 WHERE id = 1; END"
            for event in ("INSERT", "UPDATE", "DELETE"):
                when = ""
                if table == "user" and event == "UPDATE":
                    event = f"UPDATE OF {', '.join(USER_COLUMNS)}"
                    when = f"WHEN {_user_changed('OLD', 'NEW', 'IS NOT')} "
                name = f"{table}_{event.split()[0].lower()}_moves_change_clock"
                op.execute(f'CREATE TRIGGER {name} AFTER {event} ON "{table}" {when}{bump}')


def drop_clock_triggers(tables=(*CLOCKED, "user")):
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            names = [f"{table}_moves_change_clock", f"{table}_truncate_moves_change_clock"]
            if table == "user":
                names.append("user_update_moves_change_clock")
            for name in names:
                op.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_moves_change_clock")


def downgrade():
    drop_clock_triggers()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS change_clock_bump()")
    op.drop_table('change_clock')
    op.create_index('ix_initiative_changes', 'initiative', ['updated_at', 'version'], unique=False)
