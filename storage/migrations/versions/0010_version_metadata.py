"""An earlier version keeps the byline, date and split-off headlines that went with its text, so that a
diff shows those changes too; and each text records what kind of change made it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.add_column(sa.Column("authors", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("headlines", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("change", sa.String(20), nullable=True))
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("change", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("change")
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("change")
        batch.drop_column("headlines")
        batch.drop_column("published_at")
        batch.drop_column("authors")
