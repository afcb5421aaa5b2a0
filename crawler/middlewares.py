"""Middlewares: article URLs a source fetched already are not fetched again (until the source wants them
refreshed), a run fetches at most max_pages articles, and feeds and sitemaps are fetched with a
conditional GET."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.sources import Source
from pipelines.spool import UNAVAILABLE
from pipelines.urls import canonicalize
from storage.articles import is_seen
from storage.db import share, unshare, utcnow
from storage.validators import load_validators, save_validators

logger = logging.getLogger(__name__)


class _SourceStage:
    """A middleware that reads the store for the spider's source, through an engine opened with it."""

    def __init__(self, db_url: str, crawler: Crawler):
        self.db_url = db_url
        self.crawler = crawler
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings.get("NEWSDESK_DB"), crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        if getattr(self.crawler.spider, "source", None) is not None:
            self.engine = share(self.db_url)

    def spider_closed(self, reason: str) -> None:
        if self.engine is not None:
            unshare(self.db_url)
            self.engine = None

    def known(self, url: str) -> bool:
        """Whether the source fetched `url` already and it is not due for a refresh."""
        source = self.source
        if self.engine is None or source is None:
            return False
        try:
            with Session(self.engine) as session:
                return is_seen(
                    session, source.name, canonicalize(url, frozenset(source.keep_params)), self.fresh_since
                )
        except UNAVAILABLE as e:  # fetched then; the dedupe stage (or the spool's replay) drops a copy
            logger.warning("cannot tell whether %s is stored (%s): fetching it", url, e)
            return False

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


class ArticleRequestsMiddleware(_SourceStage):
    """Spider middleware: of the article requests the spider yields, known URLs are dropped (`skipped`)
    before they count against the run's max_pages; the rest go out up to that budget."""

    def __init__(self, db_url: str, crawler: Crawler):
        super().__init__(db_url, crawler)
        self.scheduled = 0

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for request in result:
            if self.admit(request):
                yield request

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for request in result:
            if self.admit(request):
                yield request

    def admit(self, request: Any) -> bool:
        if not isinstance(request, Request) or not request.meta.get("newsdesk_article"):
            return True
        if self.known(request.url):
            self.inc("newsdesk/skipped")
            return False
        if self.scheduled >= getattr(self.crawler.spider, "max_pages", 0):
            self.inc("newsdesk/over_max_pages")
            return False
        self.scheduled += 1
        return True


class KnownRedirectsMiddleware(_SourceStage):
    """Downloader middleware: an article request redirected to a URL the source fetched already stops
    there (the URL it started from was new; where it leads is not)."""

    def process_request(self, request: Request) -> None:
        if (
            request.meta.get("newsdesk_article")
            and request.meta.get("redirect_urls")
            and self.known(request.url)
        ):
            self.inc("newsdesk/skipped")
            raise IgnoreRequest(f"already stored: {request.url}")


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
        try:
            with Session(self.engine) as session:
                etag, modified = load_validators(session, request.url, self.fresh_since)
        except UNAVAILABLE:
            return
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
            try:
                with Session(self.engine) as session, session.begin():
                    save_validators(session, self.fresh)
            except UNAVAILABLE as e:  # the indexes are read in full next time
                logger.warning("could not save feed and sitemap validators: %s", e)
        super().spider_closed(reason)


@functools.lru_cache(maxsize=1024)
def is_private_host(host: str) -> bool:
    """Whether `host` is, or resolves to, a loopback, private, link-local or otherwise non-public
    address (a name that does not resolve is not: fetching it fails on its own)."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(host, None)]
        except (OSError, UnicodeError, ValueError):
            return False
    return any(not a.is_global or a.is_multicast for a in addresses)


class PrivateAddressMiddleware:
    """Downloader middleware: a source on the public internet never fetches (even through a redirect) an
    address inside this machine's networks: loopback, private ranges, link-local, cloud metadata. A
    source whose own hosts are private (an intranet site, a test server) may."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.public: bool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        source: Source | None = getattr(self.crawler.spider, "source", None)
        if source is None:
            return
        if self.public is None:
            self.public = not any(is_private_host(host) for host in source.domains)
        host = urlsplit(request.url).hostname or ""
        if self.public and is_private_host(host):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newsdesk/private_address")
            raise IgnoreRequest(
                f"{request.url}: {host} is a private address, and {source.name} is a public site"
            )


def retry_after(response: Response, now: datetime | None = None) -> float | None:
    """Seconds a 429/503 response's Retry-After header asks to wait (delta-seconds or an HTTP date)."""
    value = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting as long as a 429 or 503 answer's Retry-After asks (up to
    NEWSDESK_RETRY_AFTER_MAX seconds; a server asking for longer is not retried in this run)."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("NEWSDESK_RETRY_AFTER_MAX")

    async def process_response(  # type: ignore[override]  # a coroutine, which Scrapy awaits
        self, request: Request, response: Response
    ) -> Request | Response:
        wait = retry_after(response) if response.status in (429, 503) else None
        if wait is not None and not request.meta.get("dont_retry"):
            retries = request.meta.get("retry_times", 0)
            if wait > self.max_wait:
                logger.warning(
                    "%s: the server asks to retry after %.0fs (more than %.0fs): not retried in this run",
                    request.url,
                    wait,
                    self.max_wait,
                )
                return response
            if retries < self.max_retry_times:
                logger.info("%s: %d, retrying after %.1fs as asked", request.url, response.status, wait)
                await asyncio.sleep(wait)
        return super().process_response(request, response)
