"""What every stage shares: one `from_crawler`, which hands each stage the crawl's stats, database and
source settings; and the spool, where the storage stages keep items the database could not take."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem
from storage import spool
from storage.db import Database, error_reason

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageContext:
    """What a stage needs of the crawl, as plain values (tests build it directly)."""

    stats: StatsCollector
    database: Database
    keep_params: frozenset[str] = frozenset()  # query parameters that name an article on this source
    signals: SignalManager | None = None  # the crawl's, for a stage that asks the spider for more


class Stage:
    """An item pipeline stage, built from the crawl by `from_crawler`."""

    def __init__(self, context: StageContext):
        self.context = context
        self.stats = context.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        database = crawler.get_extension(Database)  # the crawl's one engine (crawler.extensions)
        if database is None:
            raise NotConfigured("the crawler.extensions.CrawlDatabase extension is not enabled")
        source = crawler.settings.get("NEWSDESK_SOURCE")  # a crawler.sources.Source, set by the spider
        keep_params = frozenset(source.keep_params) if source is not None else frozenset()
        return cls(StageContext(crawler.stats, database, keep_params, crawler.signals))


class StorageStage(Stage):
    """A stage that reads or writes the store; an item it cannot write waits in the spool."""

    def __init__(self, context: StageContext):
        super().__init__(context)
        self.database = context.database
        self.spool = spool.spool_path(context.database.url)

    def keep(self, item: ArticleItem, error: Exception) -> NoReturn:
        """The database is unavailable: the item goes to the spool, to be written by a later crawl."""
        reason = error_reason(error)
        spool.keep(self.spool, to_record(item))
        self.stats.inc_value("newsdesk/spooled")
        self.stats.set_value("newsdesk/spool_reason", reason)
        self.stats.set_value("newsdesk/spool_file", str(self.spool))
        logger.warning("database unavailable (%s): %s kept in %s", reason, item.url, self.spool)
        raise DropItem(f"database unavailable, kept in {self.spool}: {item.url}")


def to_record(item: ArticleItem) -> dict[str, Any]:
    """An item as a spool record (JSON-ready)."""
    record: dict[str, Any] = dataclasses.asdict(item)
    record["published_at"] = item.published_at.isoformat() if item.published_at else None
    record["minhash"] = item.minhash.hex() if item.minhash is not None else None
    return record


ITEM_FIELDS = frozenset(f.name for f in dataclasses.fields(ArticleItem))


def from_record(record: dict[str, Any]) -> ArticleItem:
    """A spool record back as an item (fields an older newsdesk wrote, and this one dropped, are ignored)."""
    values = {k: v for k, v in record.items() if k in ITEM_FIELDS}
    values["published_at"] = (
        datetime.fromisoformat(record["published_at"]) if record["published_at"] else None
    )
    values["minhash"] = bytes.fromhex(record["minhash"]) if record["minhash"] else None
    values["headlines"] = [tuple(h) for h in record["headlines"]]
    return ArticleItem(**values)
