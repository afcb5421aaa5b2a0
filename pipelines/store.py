"""Store stage: insert new articles, add a version to changed ones."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from storage.articles import NewArticle, insert_article, update_article
from storage.db import connect
from storage.models import Article

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, db_url: str, stats: StatsCollector):
        self.db_url = db_url
        self.stats = stats
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        assert crawler.stats is not None
        return cls(crawler.settings.get("NEWSDESK_DB"), crawler.stats)

    def open_spider(self) -> None:
        self.engine = connect(self.db_url)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        assert self.engine is not None
        new = NewArticle(
            source=item.source,
            url=item.url,
            title=item.title,
            authors=item.authors,
            published_at=item.published_at,
            language=item.language,
            body=item.body,
            content_hash=item.content_hash,
            simhash=item.simhash,
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
                self.stats.inc_value("newsdesk/updated")
                logger.info("updated %s (version %d)", item.url, version)
                return item
            article_id = insert_article(session, new)
        if article_id is None:
            self.stats.inc_value("newsdesk/duplicate")
            raise DropItem(f"duplicate: {item.url} was stored meanwhile")
        self.stats.inc_value("newsdesk/stored")
        logger.debug("stored %s as article %d", item.url, article_id)
        return item
