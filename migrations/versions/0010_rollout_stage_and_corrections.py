"""The rollout stage is a property of a stage; measurements can be corrected and withdrawn.

- ``stage.rollout``: which stage counts as "rolled out" (issue 10), set by admins on the stage
  instead of being "the last active stage by position". At most one stage carries it (a partial
  unique index on both backends); the admin services keep it exactly one and active. The current
  last active stage (``rolled_out``, "Diluncurkan", in the reference data) becomes it.
- ``measurement``: a "withdrawn" status (the CHECK constraint allows it), who withdrew it, when
  and why, and who last corrected it and when (the trail keeps every correction, old → new).

SQLite cannot alter a CHECK constraint, so batch mode rebuilds ``measurement`` ("move and
copy"); that drops the triggers migration 0008 put on it, which are created again here (on
PostgreSQL the constraint is altered in place and the triggers stay). Downgrading turns withdrawn
measurements into returned ones (the other status that counts nowhere), their reason into the
review note.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('submitted', 'verified', 'returned')"
NEW_STATUSES = "status IN ('submitted', 'verified', 'returned', 'withdrawn')"


def _facts_triggers():
    """Migration 0008's trigger helpers, loaded from its file (a module name starting with a
    digit cannot be imported plainly)."""
    spec = importlib.util.spec_from_file_location(
        "quickwin_migration_0008", Path(__file__).with_name("0008_facts_version.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rebuilds() -> bool:
    """SQLite rebuilds the table (and loses its triggers) to change a CHECK constraint."""
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    # In place (ALTER TABLE … ADD COLUMN), never a SQLite batch rebuild: ``initiative`` refers to
    # ``stage``, and SQLite refuses to drop a referenced table (see downgrade).
    op.add_column('stage', sa.Column('rollout', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    op.create_index('uq_stage_rollout', 'stage', ['rollout'], unique=True,
                    sqlite_where=sa.text('rollout'), postgresql_where=sa.text('rollout'))
    stage = sa.table("stage", sa.column("id", sa.Integer), sa.column("position", sa.Integer),
                     sa.column("retired", sa.Boolean), sa.column("rollout", sa.Boolean))
    last = op.get_bind().execute(
        sa.select(stage.c.id).where(stage.c.retired.is_(False))
        .order_by(stage.c.position.desc(), stage.c.id.desc()).limit(1)
    ).scalar()
    if last is not None:
        op.execute(stage.update().where(stage.c.id == last).values(rollout=True))

    if _rebuilds():
        _facts_triggers().drop_facts_triggers()
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_measurement_corrected_by_id_user'), 'user',
                                    ['corrected_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_measurement_withdrawn_by_id_user'), 'user',
                                    ['withdrawn_by_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('ck_measurement_status_valid'), type_='check')
        batch_op.create_check_constraint('status_valid', NEW_STATUSES)
    if _rebuilds():
        _facts_triggers().create_facts_triggers()


def downgrade():
    measurement = sa.table("measurement", sa.column("status", sa.String),
                           sa.column("review_note", sa.Text),
                           sa.column("withdrawn_reason", sa.Text))
    op.execute(measurement.update().where(measurement.c.status == 'withdrawn')
               .values(status='returned', review_note=measurement.c.withdrawn_reason))
    if _rebuilds():
        _facts_triggers().drop_facts_triggers()
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_measurement_status_valid'), type_='check')
        batch_op.create_check_constraint('status_valid', OLD_STATUSES)
        batch_op.drop_constraint(batch_op.f('fk_measurement_withdrawn_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_measurement_corrected_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('corrected_at')
        batch_op.drop_column('corrected_by_id')
    if _rebuilds():
        _facts_triggers().create_facts_triggers()

    op.drop_index('uq_stage_rollout', table_name='stage',
                  sqlite_where=sa.text('rollout'), postgresql_where=sa.text('rollout'))
    # In place, never a SQLite batch rebuild: ``initiative`` refers to ``stage``, and dropping a
    # referenced table fails (or, where the reference cascades, empties the referring rows).
    # SQLite drops a column itself since 3.35 (Alembic would rebuild the table).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE stage DROP COLUMN rollout")
    else:
        op.drop_column('stage', 'rollout')
