"""``initiative.facts_version``: bumped by triggers whenever a milestone, indicator or measurement
of the initiative is inserted, updated or deleted (whoever writes it: the app, an import, the CLI,
a manual fix in SQL). The board keeps each card's computed status while this version and the
card's own fields are unchanged (``board/services.py``, ``CardLooks``).

The triggers live on ``milestone``, ``indicator`` and ``measurement``: a later migration that
rebuilds one of those tables in SQLite batch mode ("move and copy") must create them again
(``create_facts_triggers``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 02:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# (table, the initiative id of a row: SQL over NEW/OLD)
_SOURCES = {
    "milestone": "{row}.initiative_id",
    "indicator": "{row}.initiative_id",
    "measurement": "(SELECT indicator.initiative_id FROM indicator WHERE indicator.id = {row}.indicator_id)",
}


def upgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts_version', sa.Integer(), server_default='0',
                                      nullable=False))
    create_facts_triggers()


def create_facts_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table, initiative in _SOURCES.items():
            new, old = initiative.format(row="NEW"), initiative.format(row="OLD")
            op.execute(f"""
                CREATE FUNCTION {table}_bumps_facts_version() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        UPDATE initiative SET facts_version = facts_version + 1 WHERE id = {new};
                    END IF;
                    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {old} IS DISTINCT FROM {new}) THEN
                        UPDATE initiative SET facts_version = facts_version + 1 WHERE id = {old};
                    END IF;
                    RETURN NULL;
                END $$;
            """)
            op.execute(f"CREATE TRIGGER {table}_bumps_facts_version "
                       f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_bumps_facts_version()")
    else:
        for table, initiative in _SOURCES.items():
            bump = "UPDATE initiative SET facts_version = facts_version + 1 WHERE id = {};"
            for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")),
                                ("DELETE", ("OLD",))):
                body = " ".join(bump.format(initiative.format(row=row)) for row in rows)
                op.execute(f"CREATE TRIGGER {table}_{event.lower()}_bumps_facts_version "
                           f"AFTER {event} ON {table} BEGIN {body} END")


def drop_facts_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in _SOURCES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_facts_version ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_bumps_facts_version()")
    else:
        for table in _SOURCES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_bumps_facts_version")


def downgrade():
    drop_facts_triggers()
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_column('facts_version')
