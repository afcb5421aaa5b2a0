"""Store stage: insert new articles, add a version to changed ones."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from pipelines.database import DatabaseStage
from storage.articles import NewArticle, insert_article, mark_seen, update_article
from storage.models import Article

logger = logging.getLogger(__name__)


class StorePipeline(DatabaseStage):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        assert crawler.stats is not None
        return cls(crawler.settings.get("NEWSDESK_DB"), crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
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
        # One transaction per article: the article and its headlines land together or not at all.
        with Session(self.engine) as session, session.begin():
            if item.existing_id is not None:
                article = session.get(Article, item.existing_id)
                if article is None:
                    raise DropItem(f"article {item.existing_id} vanished while {item.url} was crawled")
                version = update_article(session, article, new)
                mark_seen(session, item.source, item.seen_urls, article.id)
                self.stats.inc_value("newsdesk/updated")
                logger.info("updated %s (version %d)", item.url, version)
                return item
            article_id = insert_article(session, new)
            if article_id is not None:
                mark_seen(session, item.source, item.seen_urls, article_id)
        if article_id is None:
            self.stats.inc_value("newsdesk/duplicate")
            raise DropItem(f"duplicate: {item.url} was stored meanwhile")
        self.stats.inc_value("newsdesk/stored")
        logger.debug("stored %s as article %d", item.url, article_id)
        return item
