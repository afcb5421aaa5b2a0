"""Store stage: insert new articles, add a version to changed ones."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from pipelines.base import StorageStage
from storage.articles import NewArticle, insert_article, mark_seen, update_article
from storage.db import UNAVAILABLE
from storage.models import Article

logger = logging.getLogger(__name__)


class StorePipeline(StorageStage):
    def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            with Session(self.database.engine) as session, session.begin():
                outcome, detail = write(session, item)
        except UNAVAILABLE as e:
            self.keep(item, e)
        self.stats.inc_value(f"newsdesk/{outcome}")
        if outcome == "duplicate":
            raise DropItem(detail)
        logger.debug("%s %s: %s", outcome, item.url, detail)
        return item


def write(session: Session, item: ArticleItem) -> tuple[str, str]:
    """Insert the item, or add its text as a new version of the stored article, in the session's
    transaction (the article, its headlines, band keys and seen URLs land together or not at all).
    Returns the outcome (stored, updated or duplicate) and what happened."""
    new = NewArticle(
        source=item.source,
        url=item.url,
        title=item.title,
        authors=item.authors,
        published_at=item.published_at,
        language=item.language,
        body=item.body,
        content_hash=item.content_hash,
        minhash=item.minhash,
        headlines=item.headlines,
        duplicate_of=item.duplicate_of,
    )
    article = session.get(Article, item.existing_id) if item.existing_id is not None else None
    if article is not None:
        version = update_article(session, article, new)
        mark_seen(session, item.source, item.seen_urls, article.id)
        return "updated", f"article {article.id}, version {version}"
    article_id = insert_article(session, new)
    if article_id is None:
        return "duplicate", f"duplicate: {item.url} was stored meanwhile"
    mark_seen(session, item.source, item.seen_urls, article_id)
    return "stored", f"article {article_id}"
