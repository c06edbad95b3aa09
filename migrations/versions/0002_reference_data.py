"""Reference data: the six Smart City dimensions and the default workflow stages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The six dimensions of Balikpapan's Smart City programme (code, Indonesian, English, colour).
DIMENSIONS = [
    ("governance", "Smart Governance (Tata Kelola)", "Smart governance", "#1d4ed8"),
    ("branding", "Smart Branding (Citra Kota)", "Smart branding", "#9333ea"),
    ("economy", "Smart Economy (Ekonomi)", "Smart economy", "#b45309"),
    ("living", "Smart Living (Kehidupan)", "Smart living", "#be123c"),
    ("society", "Smart Society (Masyarakat)", "Smart society", "#0f766e"),
    ("environment", "Smart Environment (Lingkungan)", "Smart environment", "#15803d"),
]

STAGES = [
    ("proposed", "Usulan", "Proposed"),
    ("approved", "Disetujui", "Approved"),
    ("in_progress", "Pelaksanaan", "In progress"),
    ("pilot", "Uji coba", "Pilot"),
    ("rolled_out", "Diluncurkan", "Rolled out"),
]

dimension = sa.table(
    "dimension",
    sa.column("code", sa.String),
    sa.column("name_id", sa.String),
    sa.column("name_en", sa.String),
    sa.column("colour", sa.String),
    sa.column("position", sa.Integer),
)
stage = sa.table(
    "stage",
    sa.column("code", sa.String),
    sa.column("name_id", sa.String),
    sa.column("name_en", sa.String),
    sa.column("position", sa.Integer),
    sa.column("retired", sa.Boolean),
)


def upgrade():
    op.bulk_insert(
        dimension,
        [
            {"code": c, "name_id": i, "name_en": e, "colour": col, "position": n}
            for n, (c, i, e, col) in enumerate(DIMENSIONS)
        ],
    )
    op.bulk_insert(
        stage,
        [
            {"code": c, "name_id": i, "name_en": e, "position": n, "retired": False}
            for n, (c, i, e) in enumerate(STAGES)
        ],
    )


def downgrade():
    op.execute(stage.delete().where(stage.c.code.in_([s[0] for s in STAGES])))
    op.execute(dimension.delete().where(dimension.c.code.in_([d[0] for d in DIMENSIONS])))
