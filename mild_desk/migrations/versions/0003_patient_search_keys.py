"""patient search keys: folded names with an index, and an index on the date of birth

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mild_desk.models.search import search_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("search_last", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("search_first", sa.String(), nullable=False, server_default=""))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Byte order, so that a prefix range query means "starts with" whatever the locale.
        for column in ("search_last", "search_first"):
            op.execute(f'ALTER TABLE patient ALTER COLUMN {column} TYPE varchar COLLATE "C"')
    patient = sa.table(
        "patient",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("search_last", sa.String),
        sa.column("search_first", sa.String),
    )
    rows = bind.execute(sa.select(patient.c.id, patient.c.first_name, patient.c.last_name)).all()
    for row_id, first, last in rows:
        bind.execute(
            patient.update()
            .where(patient.c.id == row_id)
            .values(search_last=search_key(last), search_first=search_key(first))
        )
    op.create_index("ix_patient_search", "patient", ["search_last", "search_first"])
    op.create_index("ix_patient_dob", "patient", ["dob"])


def downgrade() -> None:
    op.drop_index("ix_patient_dob", "patient")
    op.drop_index("ix_patient_search", "patient")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("search_first")
        batch.drop_column("search_last")
