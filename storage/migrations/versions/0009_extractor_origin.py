"""Which extractor version made each article's text (and each earlier version's), and whether the text
came from a fetch or from re-running a newer extractor over the captured page.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("articles", "article_versions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("extractor", sa.String(40), nullable=True))
            batch.add_column(sa.Column("origin", sa.String(20), nullable=True))


def downgrade() -> None:
    for table in ("article_versions", "articles"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin")
            batch.drop_column("extractor")
