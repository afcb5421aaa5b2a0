"""Dedupe stage: drop what is stored already, mark changed articles and near-duplicates."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from storage.articles import find_by_hash, find_by_url, find_near_duplicate
from storage.db import connect


class DedupePipeline:
    def __init__(self, db_url: str, max_distance: int, stats: StatsCollector):
        self.db_url = db_url
        self.max_distance = max_distance
        self.stats = stats
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        assert crawler.stats is not None
        return cls(
            crawler.settings.get("NEWSDESK_DB"),
            crawler.settings.getint("NEWSDESK_NEAR_DUPLICATE_DISTANCE"),
            crawler.stats,
        )

    def open_spider(self) -> None:
        self.engine = connect(self.db_url)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        assert self.engine is not None
        with Session(self.engine) as session:
            stored = find_by_url(session, item.url)
            if stored is not None:
                if stored.content_hash == item.content_hash:
                    self.stats.inc_value("newsdesk/duplicate")
                    raise DropItem(f"unchanged: {item.url} is stored as article {stored.id}")
                item.existing_id = stored.id
                return item
            same = find_by_hash(session, item.content_hash)
            if same is not None:
                self.stats.inc_value("newsdesk/duplicate")
                raise DropItem(f"duplicate: {item.url} has the same text as article {same.id} ({same.url})")
            item.duplicate_of = find_near_duplicate(session, item.simhash, self.max_distance)
            if item.duplicate_of is not None:
                self.stats.inc_value("newsdesk/near_duplicate")
        return item
