"""Downloader middlewares: stored article URLs are not fetched again (until the source wants them
refreshed), and feeds and sitemaps are fetched with a conditional GET."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.sources import Source
from pipelines.urls import canonicalize
from storage.articles import is_seen
from storage.db import connect, utcnow
from storage.validators import load_validators, save_validators

logger = logging.getLogger(__name__)


class _SourceStage:
    """A middleware that reads the store for the spider's source, through an engine opened with it."""

    def __init__(self, db_url: str, crawler: Crawler):
        self.db_url = db_url
        self.crawler = crawler
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _SourceStage:
        middleware = cls(crawler.settings.get("NEWSDESK_DB"), crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        if getattr(self.crawler.spider, "source", None) is not None:
            self.engine = connect(self.db_url)

    def spider_closed(self, reason: str) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    @property
    def fresh_since(self) -> datetime | None:
        """What was fetched before this is due again (the source's refresh_after), or None: never."""
        refresh = self.source.refresh_after if self.source else None
        return utcnow() - timedelta(seconds=refresh) if refresh is not None else None

    @property
    def source(self) -> Source | None:
        return getattr(self.crawler.spider, "source", None)


class KnownUrlsMiddleware(_SourceStage):
    def process_request(self, request: Request) -> None:
        source = self.source
        if not request.meta.get("newsdesk_article") or self.engine is None or source is None:
            return
        url = canonicalize(request.url, frozenset(source.keep_params))
        fresh_since = self.fresh_since
        with Session(self.engine) as session:
            seen = is_seen(session, source.name, url, fresh_since)
        if seen:
            self.inc("newsdesk/skipped")
            raise IgnoreRequest(f"already stored: {request.url}")
        if fresh_since is not None:
            request.meta["newsdesk_refresh"] = True


class ConditionalGetMiddleware(_SourceStage):
    """Sends a feed's or sitemap's last ETag/Last-Modified; a 304 reaches the spider, which reads nothing.
    New validators are saved only when the crawl finishes: an index whose articles were not all fetched
    is read in full again next time. A source that refreshes its articles has its indexes read in full
    at least once per refresh_after (else an unchanged feed would hide articles due again)."""

    def __init__(self, db_url: str, crawler: Crawler):
        super().__init__(db_url, crawler)
        self.fresh: dict[str, tuple[str | None, str | None]] = {}

    def process_request(self, request: Request) -> None:
        if not request.meta.get("newsdesk_index") or self.engine is None:
            return
        with Session(self.engine) as session:
            etag, modified = load_validators(session, request.url, self.fresh_since)
        if etag:
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
        if modified:
            request.headers.setdefault(b"If-Modified-Since", modified.encode("latin-1"))

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("newsdesk_index"):
            if response.status == 304:
                self.inc("newsdesk/not_modified")
            elif response.status == 200:
                etag = response.headers.get(b"ETag")
                modified = response.headers.get(b"Last-Modified")
                if etag or modified:
                    self.fresh[response.url] = (
                        etag.decode("latin-1") if etag else None,
                        modified.decode("latin-1") if modified else None,
                    )
        return response

    def spider_closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        complete = reason == "finished" and not self.crawler.stats.get_value("newsdesk/article_errors")
        if self.engine is not None and self.fresh and complete:
            with Session(self.engine) as session, session.begin():
                save_validators(session, self.fresh)
        super().spider_closed(reason)
