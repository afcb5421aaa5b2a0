"""Listing indexes: (sort_at, id), the order every listing and export uses, walked instead of sorted; and
(id, sort_at, duplicate_of, source_id), so a search orders and filters its matches without reading the
article rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_sort_at_id", "articles", ["sort_at", "id"])
    op.create_index("ix_articles_listing", "articles", ["id", "sort_at", "duplicate_of", "source_id"])
    op.drop_index("ix_articles_sort_at", "articles")


def downgrade() -> None:
    op.create_index("ix_articles_sort_at", "articles", ["sort_at"])
    op.drop_index("ix_articles_listing", "articles")
    op.drop_index("ix_articles_sort_at_id", "articles")
