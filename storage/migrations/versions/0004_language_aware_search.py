"""PostgreSQL full-text search in each article's own language (stemmed), where its language is known.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A frozen copy of storage.search.LANGUAGE_CONFIGS as of this revision (a test keeps them equal).
LANGUAGE_CONFIGS = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
CONFIG = (
    "(CASE split_part(lower(coalesce(language, '')), '-', 1) "
    + " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in sorted(LANGUAGE_CONFIGS.items()))
    + " ELSE 'simple'::regconfig END)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index has no stemming; it stays as it is
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    op.execute(
        f"""ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector({CONFIG}, coalesce(title, '')), 'A') ||
        setweight(to_tsvector({CONFIG}, coalesce(body, '')), 'B')) STORED"""
    )
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    op.execute(
        """ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED"""
    )
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
