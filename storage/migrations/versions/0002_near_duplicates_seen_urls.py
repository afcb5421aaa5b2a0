"""MinHash near-duplicates (LSH band keys) instead of SimHash bands; seen URLs; feed/sitemap validators.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "article_bands",
        sa.Column("key", sa.BigInteger, primary_key=True),
        sa.Column(
            "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index("ix_article_bands_article_id", "article_bands", ["article_id"])
    op.create_table(
        "seen_urls",
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE")),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_seen_urls_article_id", "seen_urls", ["article_id"])
    op.create_table(
        "index_validators",
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("etag", sa.String(1024)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    # Every stored article's URL counts as seen by its source.
    op.execute(
        "INSERT INTO seen_urls (source_id, url, article_id, fetched_at) "
        "SELECT source_id, url, id, fetched_at FROM articles"
    )
    for i in range(4):
        op.drop_index(f"ix_articles_sim_band{i}", "articles")
        op.drop_column("articles", f"sim_band{i}")
    op.drop_column("articles", "simhash")
    op.add_column("articles", sa.Column("minhash", sa.LargeBinary))
    _fingerprint_stored_articles()


def _fingerprint_stored_articles() -> None:
    """Sign the articles stored before this revision, in batches (constant memory)."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, body, duplicate_of FROM articles WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        # Here, not at the top: a new database has no articles, and numpy takes 0.15 s to load.
        from storage.fingerprints import band_keys, minhash

        for article_id, body, duplicate_of in rows:
            signature = minhash(body)
            if signature is None:
                continue
            connection.execute(
                sa.text("UPDATE articles SET minhash = :sig WHERE id = :id"),
                {"sig": signature, "id": article_id},
            )
            if duplicate_of is None:
                connection.execute(
                    sa.text("INSERT INTO article_bands (key, article_id) VALUES (:key, :id)"),
                    [{"key": key, "id": article_id} for key in set(band_keys(signature))],
                )
        last = rows[-1][0]


def downgrade() -> None:
    raise NotImplementedError("newsdesk schemas only go forward: restore a backup to go back")
