"""PostgreSQL: article texts and their search vectors compressed with lz4 instead of pglz, where the server
has it (PostgreSQL 14 and later, built with lz4, as the common packages are): less of the server's CPU to
store a page, and faster to read back. Values already stored keep their compression until rewritten.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = {"articles": ("body", "search_vector"), "article_versions": ("body",)}


def _set_compression(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compresses nothing
    statements = "; ".join(
        f"EXECUTE 'ALTER TABLE {table} "
        + ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        + "'"
        for table, columns in COLUMNS.items()
    )
    # Run as dynamic SQL, so that a server without the clause (before 14) or without lz4 keeps its
    # default instead of failing the upgrade.
    op.execute(
        f"""DO $$ BEGIN {statements};
        EXCEPTION WHEN syntax_error OR feature_not_supported OR invalid_parameter_value THEN
            RAISE NOTICE 'compression {method} is not available: article texts keep the server default';
        END $$"""
    )


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")
