"""How a crawl process ended, as data: Scrapy's close reason and the number of articles left in the spool
get their own columns instead of being written into `message` and parsed back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("close_reason", sa.String(100), nullable=True))
        batch.add_column(sa.Column("spooled", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("spooled")
        batch.drop_column("close_reason")
