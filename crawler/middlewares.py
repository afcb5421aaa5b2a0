"""Downloader middleware: article URLs already in the store are not fetched again."""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from sqlalchemy.orm import Session

from pipelines.urls import canonicalize
from storage.articles import known_urls
from storage.db import connect

logger = logging.getLogger(__name__)


class KnownUrlsMiddleware:
    def __init__(self, db_url: str, crawler: Crawler):
        self.db_url = db_url
        self.crawler = crawler
        self.known: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownUrlsMiddleware:
        middleware = cls(crawler.settings.get("NEWSDESK_DB"), crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self) -> None:
        source = getattr(self.crawler.spider, "source_name", None)
        if not source:
            return
        engine = connect(self.db_url)
        try:
            with Session(engine) as session:
                self.known = known_urls(session, source)
        finally:
            engine.dispose()
        logger.info("%d articles of %s already stored: not fetched again", len(self.known), source)

    def process_request(self, request: Request) -> None:
        if request.meta.get("newsdesk_article") and canonicalize(request.url) in self.known:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newsdesk/skipped")
            raise IgnoreRequest(f"already stored: {request.url}")
