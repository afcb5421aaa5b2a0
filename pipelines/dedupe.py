"""Dedupe stage: drop what is stored already, mark changed articles and near-duplicates."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from pipelines.database import DatabaseStage
from storage.articles import find_by_hash, find_by_url, find_near_duplicate


class DedupePipeline(DatabaseStage):
    def __init__(self, db_url: str, max_distance: int, stats: StatsCollector):
        super().__init__(db_url, stats)
        self.max_distance = max_distance

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        assert crawler.stats is not None
        return cls(
            crawler.settings.get("NEWSDESK_DB"),
            crawler.settings.getint("NEWSDESK_NEAR_DUPLICATE_DISTANCE"),
            crawler.stats,
        )

    def process_item(self, item: ArticleItem) -> ArticleItem:
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
