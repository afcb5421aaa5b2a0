"""PostgreSQL: an article's search vector is made by a function that never fails for the text's size.

PostgreSQL refuses a tsvector of 1 MiB or more. An article whose text holds a megabyte of distinct words (a
word list, a data dump, a page built to do it) made its INSERT fail, and with it the batch it was written
in. The function indexes the whole text when PostgreSQL can, else its first SEARCH_FALLBACK_CHARS
characters (under half the limit for any text: under 10 bytes of tsvector a character at worst, found with
four-byte letters in short hyphenated words). Nothing else changes: the same vector for every article that fitted.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

from storage.migrations.frozen import revision_module

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SEARCH_FALLBACK_CHARS = 50_000
FUNCTION = "newsdesk_search_vector"


def _replace_column(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    revision_module("0014_lz4_text.py")._set_compression("lz4")  # the new column's, as 0014 set the old one's
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index takes texts of any size
    op.execute(
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}(config regconfig, title text, body text)
        RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
        BEGIN
            RETURN setweight(to_tsvector(config, title), 'A') || setweight(to_tsvector(config, body), 'B');
        EXCEPTION WHEN program_limit_exceeded THEN
            RETURN setweight(to_tsvector(config, title), 'A')
                || setweight(to_tsvector(config, left(body, {SEARCH_FALLBACK_CHARS})), 'B');
        END $$"""
    )
    config = revision_module("0004_language_aware_search.py").CONFIG
    _replace_column(f"{FUNCTION}({config}, coalesce(title, ''), coalesce(body, ''))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    config = revision_module("0004_language_aware_search.py").CONFIG
    _replace_column(
        f"setweight(to_tsvector({config}, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector({config}, coalesce(body, '')), 'B')"
    )
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(regconfig, text, text)")
