"""PostgreSQL: an index on the title's words alone, in the article's language, so that a search by
relevance finds the matches with the query in their title (ranked first) without reading every match.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

from storage.migrations.frozen import revision_module

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _language_config() -> str:
    """The configuration chooser of revision 0004 (frozen there), which the search_vector column uses."""
    return str(revision_module("0004_language_aware_search.py").CONFIG)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite ranks with FTS5's own index
    op.execute(
        "CREATE INDEX ix_articles_title_vector ON articles "
        f"USING gin (to_tsvector({_language_config()}, coalesce(title, '')))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_articles_title_vector")
