"""Where each article's page, as fetched, is kept: the WARC file (in the capture folder) and the offset of
its response record, for the current text and for each earlier version.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("articles", "article_versions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("capture_file", sa.String(500), nullable=True))
            batch.add_column(sa.Column("capture_offset", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table in ("article_versions", "articles"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("capture_offset")
            batch.drop_column("capture_file")
