"""RunRecorder: keeps the crawl_runs row of this crawl up to date with the crawl's stats."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet import task

from storage.db import share, unshare
from storage.runs import SPOOLED, set_counters

logger = logging.getLogger(__name__)

IGNORED = "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest"
ERROR_STATS = (
    "downloader/exception_count",
    "spider_exceptions/count",
    "httperror/response_ignored_count",
    "newsdesk/http_error",
    "newsdesk/store_error",
    "item_error_count",
)


def run_counters(stats: dict[str, Any]) -> dict[str, int]:
    """Scrapy stats -> the run record's counters."""
    return {
        "pages": stats.get("response_received_count", 0),
        "stored": stats.get("newsdesk/stored", 0),
        "updated": stats.get("newsdesk/updated", 0),
        "duplicates": stats.get("newsdesk/duplicate", 0),
        "skipped": stats.get("newsdesk/skipped", 0),
        # Requests dropped on purpose (already stored, robots.txt) are not errors.
        "errors": sum(stats.get(k, 0) for k in ERROR_STATS) - stats.get(IGNORED, 0),
    }


class RunRecorder:
    def __init__(self, db_url: str, run_id: int, interval: float, crawler: Crawler):
        self.db_url = db_url
        self.run_id = run_id
        self.interval = interval
        self.crawler = crawler
        self.engine: Engine | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        run_id = crawler.settings.getint("NEWSDESK_RUN_ID")
        if not run_id:
            raise NotConfigured("no NEWSDESK_RUN_ID: this crawl has no run record")
        recorder = cls(
            crawler.settings.get("NEWSDESK_DB"),
            run_id,
            crawler.settings.getfloat("NEWSDESK_PROGRESS_INTERVAL"),
            crawler,
        )
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self) -> None:
        self.engine = share(self.db_url)
        self.loop = task.LoopingCall(self.save)
        self.loop.start(self.interval, now=False)

    def save(self, message: str | None = None) -> None:
        assert self.crawler.stats is not None and self.engine is not None
        counters = run_counters(self.crawler.stats.get_stats())
        try:
            with Session(self.engine) as session, session.begin():
                set_counters(session, self.run_id, counters, message)
        except SQLAlchemyError as e:
            logger.warning("could not update run %d: %s", self.run_id, e)

    def spider_closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.engine is not None:
            stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
            if stats.get("newsdesk/spooled"):
                reason = (
                    f"{SPOOLED} {stats['newsdesk/spooled']} articles kept in {stats['newsdesk/spool_file']} "
                    f"(database unavailable: {stats['newsdesk/spool_reason']}); the next crawl writes them"
                )
            self.save(message=reason)
            unshare(self.db_url)
            self.engine = None
