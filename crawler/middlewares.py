"""Middlewares: article URLs a source fetched already are not fetched again (until the source wants them
refreshed), a run fetches at most max_pages articles, and feeds and sitemaps are fetched with a
conditional GET."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from sqlalchemy.orm import Session

from crawler.extensions import crawl_database
from crawler.sources import Source
from storage.articles import fresh_cutoff, known_urls
from storage.db import UNAVAILABLE, Database
from storage.validators import load_validators, save_validators

logger = logging.getLogger(__name__)


class _SourceStage:
    """A middleware that reads the store for the crawl's source (the spider puts it in the settings)."""

    def __init__(self, source: Source, database: Database, stats: StatsCollector):
        self.source = source
        self.database = database
        self.stats = stats
        self.keep_params = frozenset(source.keep_params)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.settings["NEWSDESK_SOURCE"], crawl_database(crawler), crawler.stats)

    def known(self, url: str) -> bool:
        """Whether the source fetched `url` already and it is not due for a refresh."""
        return url in self.known_among([url])

    def known_among(self, urls: list[str]) -> set[str]:
        """Those of `urls` that the source fetched already and are not due for a refresh (one query per
        chunk: a sitemap names thousands)."""
        try:
            with Session(self.database.engine) as session:
                return known_urls(
                    session, self.source.name, urls, self.keep_params, self.source.refresh_after
                )
        except UNAVAILABLE as e:  # fetched then; the dedupe check (or the spool's replay) drops a copy
            logger.warning("cannot tell which of %d URLs are stored (%s): fetching them", len(urls), e)
            return set()

    @property
    def fresh_since(self) -> datetime | None:
        """What was fetched before this is due again (the source's refresh_after), or None: never."""
        return fresh_cutoff(self.source.refresh_after)


ARTICLE_CHUNK = 200  # article requests a spider yields, checked against the store in one query


def is_article_request(output: Any) -> bool:
    return isinstance(output, Request) and bool(output.meta.get("newsdesk_article"))


class ArticleRequestsMiddleware(_SourceStage):
    """Spider middleware: of the article requests the spider yields, known URLs are dropped (`skipped`)
    before they count against the run's max_pages; the rest go out up to that budget."""

    def __init__(self, source: Source, database: Database, stats: StatsCollector, max_pages: int):
        super().__init__(source, database, stats)
        self.max_pages = max_pages
        self.scheduled = 0
        self.listings = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(
            crawler.settings["NEWSDESK_SOURCE"],
            crawl_database(crawler),
            crawler.stats,
            crawler.settings.getint("NEWSDESK_MAX_PAGES"),
        )

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        waiting: list[Request] = []  # article requests, checked against the store a chunk at a time
        for output in result:
            yield from self.pass_on(output, waiting)
        yield from self.admit_articles(waiting)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        waiting: list[Request] = []
        async for output in result:
            for admitted in self.pass_on(output, waiting):
                yield admitted
        for request in self.admit_articles(waiting):
            yield request

    def pass_on(self, output: Any, waiting: list[Request]) -> list[Any]:
        """What goes on now, given one more output: an article request waits in `waiting` until
        ARTICLE_CHUNK of them are there."""
        if not is_article_request(output):
            return [output] if self.admit(output) else []
        waiting.append(output)
        if len(waiting) < ARTICLE_CHUNK:
            return []
        admitted = self.admit_articles(waiting)
        waiting.clear()
        return admitted

    def admit(self, output: Any) -> bool:
        """Whether an output other than an article request goes on."""
        if isinstance(output, Request) and output.meta.get("newsdesk_listing"):
            return self.admit_listing()
        return True

    def admit_articles(self, requests: list[Request]) -> list[Request]:
        """The article requests that go out: not known, and within max_pages, in their order."""
        if not requests:
            return []
        known = self.known_among([r.url for r in requests])
        admitted = []
        for request in requests:
            if request.url in known:
                self.stats.inc_value("newsdesk/skipped")
            elif self.scheduled >= self.max_pages:
                self.stats.inc_value("newsdesk/over_max_pages")
            else:
                self.scheduled += 1
                admitted.append(request)
        return admitted

    def admit_listing(self) -> bool:
        """Listing pages followed from the start pages count against max_listing_pages: endless
        pagination ends there."""
        if self.listings >= self.source.max_listing_pages:
            if not self.stats.get_value("newsdesk/over_max_listing_pages"):
                logger.warning(
                    "%s: max_listing_pages (%d) reached; the other listing pages wait for the next run",
                    self.source.name,
                    self.source.max_listing_pages,
                )
            self.stats.inc_value("newsdesk/over_max_listing_pages")
            return False
        self.listings += 1
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
            self.stats.inc_value("newsdesk/skipped")
            raise IgnoreRequest(f"already stored: {request.url}")


class ConditionalGetMiddleware(_SourceStage):
    """Sends a feed's or sitemap's last ETag/Last-Modified; a 304 reaches the spider, which reads nothing.
    New validators are saved only when the crawl finishes: an index whose articles were not all fetched
    is read in full again next time. A source that refreshes its articles has its indexes read in full
    at least once per refresh_after (else an unchanged feed would hide articles due again)."""

    def __init__(self, source: Source, database: Database, stats: StatsCollector):
        super().__init__(source, database, stats)
        self.fresh: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        if not request.meta.get("newsdesk_index"):
            return
        try:
            with Session(self.database.engine) as session:
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
                self.stats.inc_value("newsdesk/not_modified")
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
        complete = reason == "finished" and not self.stats.get_value("newsdesk/article_errors")
        if self.fresh and complete:
            try:
                with Session(self.database.engine) as session, session.begin():
                    save_validators(session, self.fresh)
            except UNAVAILABLE as e:  # the indexes are read in full next time
                logger.warning("could not save feed and sitemap validators: %s", e)


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


# What bot walls say instead of the page (Cloudflare, Akamai, DataDome, PerimeterX and their kin).
BOT_WALL_RE = re.compile(
    rb"<title>\s*(?:just a moment|attention required|access denied|are you a robot|please verify you are a human"
    rb"|pardon our interruption|security check|captcha)",
    re.IGNORECASE,
)
BOT_WALL_BYTES = 8192  # where the wall's title would be


class BotWallMiddleware:
    """Downloader middleware: a response that is a bot wall rather than the page asked for goes no
    further (its "Just a moment..." is no article) and is counted (`newsdesk/bot_wall`) for the run's
    `blocked` verdict (crawler.extensions.run_blocked)."""

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.headers.get(b"cf-mitigated") == b"challenge" or BOT_WALL_RE.search(
            response.body[:BOT_WALL_BYTES]
        ):
            self.stats.inc_value("newsdesk/bot_wall")
            raise IgnoreRequest(f"a bot wall instead of {response.url}")
        return response


class SourceRequestMiddleware:
    """Downloader middleware: every request of the source goes out as its sources.toml says: through its
    proxies in turn (`proxy`, else NEWSDESK_PROXY; Scrapy's HttpProxyMiddleware turns a user:pass into
    the proxy's credentials), as its `user_agent`, with its `headers` and `cookies`."""

    def __init__(self, source: Source, proxies: list[str]):
        self.source = source
        self.proxies = itertools.cycle(proxies) if proxies else None
        self.cookie = "; ".join(f"{name}={value}" for name, value in source.cookies.items())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        source = crawler.settings.get("NEWSDESK_SOURCE")
        if source is None:
            raise NotConfigured("no source")
        fallback = os.environ.get("NEWSDESK_PROXY")
        proxies = source.proxy or ([fallback] if fallback else [])
        if not (proxies or source.user_agent or source.headers or source.cookies):
            raise NotConfigured("the source asks for nothing special")
        return cls(source, proxies)

    def process_request(self, request: Request) -> None:
        if self.proxies is not None and "proxy" not in request.meta:
            request.meta["proxy"] = next(self.proxies)
        if self.source.user_agent:
            request.headers[b"User-Agent"] = self.source.user_agent
        for name, value in self.source.headers.items():
            request.headers[name] = value
        if self.cookie:
            request.headers[b"Cookie"] = self.cookie
