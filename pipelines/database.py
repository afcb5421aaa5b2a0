"""What the stages that read or write the store share: an engine opened with the spider, and the spool
that keeps items the database could not take."""

from __future__ import annotations

import logging
from typing import NoReturn

from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from crawler.items import ArticleItem
from pipelines.spool import keep, spool_path
from storage.db import error_reason, share, unshare

logger = logging.getLogger(__name__)


class DatabaseStage:
    def __init__(self, db_url: str, stats: StatsCollector):
        self.db_url = db_url
        self.stats = stats
        self.spool = spool_path(db_url)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"{type(self).__name__} used before open_spider()")
        return self._engine

    def open_spider(self) -> None:
        self._engine = share(self.db_url)

    def close_spider(self) -> None:
        if self._engine is not None:
            unshare(self.db_url)
            self._engine = None

    def keep(self, item: ArticleItem, error: Exception) -> NoReturn:
        """The database is unavailable: the item goes to the spool, to be written by a later crawl."""
        reason = error_reason(error)
        keep(self.spool, item)
        self.stats.inc_value("newsdesk/spooled")
        self.stats.set_value("newsdesk/spool_reason", reason)
        self.stats.set_value("newsdesk/spool_file", str(self.spool))
        logger.warning("database unavailable (%s): %s kept in %s", reason, item.url, self.spool)
        raise DropItem(f"database unavailable, kept in {self.spool}: {item.url}")
