"""Extraction quality per run (shares of pages without body, title, date or author, with headlines, the
median body length), and the health each source was last reported in (alerts go out on a change).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("quality", sa.JSON(), nullable=True))
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("reported_health", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("reported_health")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("quality")
