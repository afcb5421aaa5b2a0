"""The one generic spider: a source's feeds, sitemaps and listing pages in, raw article pages out."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.items import PageItem, render_wanted, start_queued, url_noted
from crawler.rendering import RenderGuard, RenderingUnavailable, render_meta, render_settings
from crawler.sources import Source, find_source, load_sources
from extraction import decode_html, parse_date
from storage.db import utcnow

SITEMAP_RE = re.compile(rb"<\s*(?:\w+:)?(?:urlset|sitemapindex)\b")
JSON_FEED_RE = re.compile(rb'^\s*\{[^{]*"version"\s*:\s*"https?://jsonfeed\.org')
HTML_TYPES = (b"text/html", b"application/xhtml")
# Feeds and sitemaps: a 304 (the conditional GET found them unchanged) reaches parse_index.
INDEX_META = {"newsdesk_index": True, "handle_httpstatus_list": [304]}


def feed_date(entry: Any) -> str | None:
    """A feed entry's date as ISO 8601 UTC, or None (no date, or one past what a datetime holds)."""
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:
        return datetime.fromtimestamp(time.mktime(stamp) - time.timezone, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, also keeping a Google News entry's <news:publication_date>."""

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:
        published = next(
            (el.text for el in elem.iter() if self._get_tag_name(el) == "publication_date" and el.text), None
        )
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published.strip()
        return entry


class NewsSpider(Spider):
    name = "news"

    def __init__(
        self, source: str | None = None, fetch: str | None = None, seed: str = "1", *args: Any, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if not source:
            raise ValueError("the news spider needs a source: scrapy crawl news -a source=NAME")
        self.source_name = source
        # `-a fetch=URL`: that one page as an article of the source, instead of its feeds and sitemaps.
        self.fetch_url = fetch
        # `-a seed=0`: a worker joining a run that another worker started (crawler.shared): the run's
        # feeds, sitemaps and listing pages are queued already.
        self.seed = seed != "0"
        self.allowed_domains: list[str] = []
        self.source: Source
        self.noting = False  # a trial crawl (crawler.trial): every URL's fate is reported

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        """Loads the source and hands it to every other component in the settings (NEWSDESK_SOURCE),
        with its page budget unless the command line set one (settings are frozen after this)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.source = find_source(load_sources(settings.get("NEWSDESK_SOURCES")), spider.source_name)
        if settings.get("NEWSDESK_RENDER"):  # `newsdesk fetch --render`
            spider.source = dataclasses.replace(spider.source, render=settings.get("NEWSDESK_RENDER"))
        spider.allowed_domains = spider.source.domains
        if spider.source.render != "off":
            try:
                browser = render_settings(spider.source, RenderGuard(spider.source, crawler))
            except RenderingUnavailable as e:
                raise RenderingUnavailable(f"source '{spider.source.name}' has render = true: {e}") from None
            for name, value in browser.items():
                settings.set(name, value, priority="spider")
            crawler.signals.connect(spider.render_again, signal=render_wanted)
        settings.set("NEWSDESK_SOURCE", spider.source, priority="spider")
        settings.set("NEWSDESK_MAX_PAGES", spider.source.max_pages, priority="spider")
        spider.noting = bool(settings.get("NEWSDESK_TRIAL_OUTPUT"))
        return spider

    async def start(self) -> AsyncIterator[Any]:
        if self.fetch_url:
            self.note(self.fetch_url, "fetch", "crawl")
            yield self.page_request(self.fetch_url)
            return
        if not self.seed:
            return
        async for request in self.start_requests_of_source():
            yield request
        self.crawler.signals.send_catch_log(start_queued)

    async def start_requests_of_source(self) -> AsyncIterator[Any]:
        for url in self.source.feeds:
            yield self.index_request(url, "feed")
        for url in self.source.sitemaps:
            yield self.index_request(url, "sitemap")
        for url in self.source.start_urls:
            yield Request(
                url,
                callback=self.parse_listing,
                cb_kwargs={"depth": 0},
                priority=5,
                errback=self.index_errback,
            )

    @property
    def index_errback(self) -> Any:
        """A trial reports a feed, sitemap or listing page it could not read; a crawl leaves that to
        Scrapy, which logs and counts it as a run error."""
        return self.index_failed if self.noting else None

    def index_failed(self, failure: Any) -> None:
        self.note(failure.request.url, "", "unread", failure.getErrorMessage())

    # -- discovery ---------------------------------------------------------------------------------

    def on_source_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.source.domains)

    def is_article_url(self, url: str) -> bool:
        return self.rule_against(url) is None

    def rule_against(self, url: str) -> tuple[str, str] | None:
        """Why the source's allow/deny rules keep `url` out: ("denied", the deny pattern) or
        ("not_allowed", ""); None when it is an article URL of the source."""
        denied = next((p for p in self.source.deny if re.search(p, url)), None)
        if denied is not None:
            return "denied", denied
        if self.source.allow and not any(re.search(p, url) for p in self.source.allow):
            return "not_allowed", ""
        return None

    def note(self, url: str, via: str, decision: str, reason: str = "") -> None:
        """In a trial crawl, what became of `url` (crawler.trial reads it); nothing otherwise."""
        if self.noting:
            self.crawler.signals.send_catch_log(url_noted, url=url, via=via, decision=decision, reason=reason)

    def index_request(self, url: str, via: str) -> Request:
        return Request(
            url,
            callback=self.parse_index,
            cb_kwargs={"via": via},
            meta=dict(INDEX_META),
            priority=10,
            errback=self.index_errback,
        )

    def too_old(self, published: str | None) -> bool:
        """Whether a feed/sitemap entry's date is older than the source's max_age (undated: no)."""
        if self.source.max_age is None or not published:
            return False
        stamp = parse_date(published)
        return stamp is not None and stamp < utcnow() - timedelta(seconds=self.source.max_age)

    def absolute(self, response: Response, link: str) -> str | None:
        """A feed's or sitemap's link made absolute; None for a link that is not http(s), and, counted,
        for one Scrapy cannot request ("http://[::1", a port that is no number): one bad entry must not
        lose the rest of the index. (Links of listing pages come through LinkExtractor, which leaves
        such URLs out itself.)"""
        try:
            url = response.urljoin(link)
            parts = urlsplit(url)
            parts.port  # noqa: B018 -- raises for the ports Request() would refuse
        except ValueError:
            self.crawler.stats.inc_value("newsdesk/bad_url")
            return None
        return url if parts.scheme in ("http", "https") else None

    def article_request(
        self, url: str | None, via: str, title: str | None = None, published: str | None = None
    ) -> Request | None:
        if url is None or not url.startswith(("http://", "https://")):
            return None
        against = self.rule_against(url)
        if against is not None:
            self.note(url, via, *against)
            return None
        if via != "listing" and self.too_old(published):
            self.crawler.stats.inc_value("newsdesk/too_old")
            self.note(url, via, "too_old", published or "")
            return None
        self.note(url, via, "crawl")
        return self.page_request(url, title, published)

    def page_request(
        self, url: str, title: str | None = None, published: str | None = None, render: bool = False
    ) -> Request:
        meta: dict[str, Any] = {"newsdesk_article": True}
        if render or self.source.render == "on":
            meta.update(render_meta(self.source))
        return Request(
            url,
            callback=self.parse_article,
            meta=meta,
            cb_kwargs={"title": title, "published": published},
            errback=self.article_failed,
            dont_filter=render,  # a page fetched plainly, now again through the browser
        )

    def render_again(self, item: PageItem) -> None:
        """render = "auto": a page whose plain fetch gave no article text is fetched through the browser."""
        self.crawler.stats.inc_value("newsdesk/rendered_again")
        request = self.page_request(item.url, item.listed_title, item.listed_published, render=True)
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)

    def article_failed(self, failure: Any) -> None:
        """An article that could not be fetched: counted, so the feed's validators are not saved and the
        next run reads the feed (and retries the article) in full."""
        self.note(failure.request.url, "", "failed", failure.getErrorMessage())
        if failure.check(HttpError):  # (an IgnoreRequest, but a failure; failed downloads Scrapy counts)
            self.crawler.stats.inc_value("newsdesk/http_error")
        elif failure.check(IgnoreRequest):  # skipped on purpose: already stored, robots.txt
            return
        self.crawler.stats.inc_value("newsdesk/article_errors")
        self.logger.warning("%s: %s", failure.request.url, failure.getErrorMessage())

    def parse_index(self, response: Response, via: str) -> Iterator[Request]:
        """A feed or a sitemap (sniffed from the body, so a source may list either under either key)."""
        if response.status == 304:
            self.logger.info("%s: not modified since the last complete read", response.url)
            return
        body = response.body
        if response.url.endswith(".gz") or body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except OSError:
                self.logger.warning("%s: not a readable gzip file", response.url)
                self.crawler.stats.inc_value("newsdesk/bad_index")
                return
            except ValueError:  # scrapy's size limit: a gzip bomb
                self.logger.warning(
                    "%s: larger than the download limit (%d bytes) when decompressed, not read",
                    response.url,
                    self.crawler.settings.getint("DOWNLOAD_MAXSIZE"),
                )
                self.crawler.stats.inc_value("newsdesk/bad_index")
                return
        if SITEMAP_RE.search(body[:2000]):
            yield from self.parse_sitemap(response, body)
        elif JSON_FEED_RE.match(body[:500]):
            yield from self.parse_json_feed(response, body)
        else:
            yield from self.parse_feed(response, body, via)

    def parse_sitemap(self, response: Response, body: bytes) -> Iterator[Request]:
        try:
            sitemap = NewsSitemap(body)
        except Exception as e:  # lxml raises several types on broken XML; any of them means "unreadable"
            self.logger.warning("%s: unreadable sitemap: %s", response.url, e)
            self.crawler.stats.inc_value("newsdesk/bad_index")
            return
        for entry in sitemap:
            loc = entry.get("loc", "").strip()
            if not loc:
                continue
            loc = self.absolute(response, loc)
            if loc is None:
                continue
            if sitemap.type == "sitemapindex":
                yield self.index_request(loc, "sitemap")
            else:
                published = entry.get("publication_date") or entry.get("lastmod") or None
                request = self.article_request(loc, "sitemap", published=published)
                if request:
                    yield request

    def parse_feed(self, response: Response, body: bytes, via: str) -> Iterator[Request]:
        try:
            feed = feedparser.parse(body)
        except Exception as e:  # feedparser has its own bugs on broken feeds (a KeyError on a stray </link>)
            self.logger.warning("%s: unreadable feed: %r", response.url, e)
            self.crawler.stats.inc_value("newsdesk/bad_index")
            return
        if not feed.entries:
            self.logger.warning("%s: no entries (is it an RSS/Atom feed or a sitemap?)", response.url)
            self.crawler.stats.inc_value("newsdesk/bad_index")
            return
        for entry in feed.entries:
            link = entry.get("link") or ""
            if not link:
                continue
            request = self.article_request(
                self.absolute(response, link), via, entry.get("title"), feed_date(entry)
            )
            if request:
                yield request

    def parse_json_feed(self, response: Response, body: bytes) -> Iterator[Request]:
        try:
            feed = json.loads(body)
        except ValueError as e:
            self.logger.warning("%s: unreadable JSON Feed: %s", response.url, e)
            self.crawler.stats.inc_value("newsdesk/bad_index")
            return
        for entry in feed.get("items") or []:
            if not isinstance(entry, dict):
                continue
            link = entry.get("url") or entry.get("external_url")
            if isinstance(link, str) and link:
                title, published = entry.get("title"), entry.get("date_published")
                request = self.article_request(
                    self.absolute(response, link),
                    "feed",
                    title if isinstance(title, str) else None,
                    published if isinstance(published, str) else None,
                )
                if request:
                    yield request

    def parse_listing(self, response: Response, depth: int) -> Iterator[Request]:
        """Links of a listing page at `depth` (start pages are 0): URLs that `allow` calls articles are
        fetched as articles, other links followed as listings while depth + 1 < follow_depth. Without
        `allow`, every link is fetched as an article and, within the depth, also read as a listing."""
        if not isinstance(response, TextResponse):
            return
        # Hosts are compared without ports (LinkExtractor's allow_domains would compare host:port).
        extractor = LinkExtractor(deny=self.source.deny)
        for link in extractor.extract_links(response):
            if not self.on_source_site(link.url):
                continue
            deeper = depth + 1 < self.source.follow_depth
            if self.is_article_url(link.url):
                request = self.article_request(link.url, "listing", link.text.strip() or None)
                if request:
                    if deeper and not self.source.allow:
                        request.cb_kwargs["depth"] = depth + 1
                    yield request
            elif deeper:
                yield Request(
                    link.url,
                    callback=self.parse_listing,
                    cb_kwargs={"depth": depth + 1},
                    meta={"newsdesk_listing": True},
                    errback=self.index_errback,
                )

    # -- articles ----------------------------------------------------------------------------------

    def parse_article(
        self, response: Response, title: str | None, published: str | None, depth: int | None = None
    ) -> Iterator[PageItem | Request]:
        if depth is not None:
            yield from self.parse_listing(response, depth)
        content_type = response.headers.get(b"Content-Type") or b"text/html"
        if not isinstance(response, TextResponse) or not content_type.lower().startswith(HTML_TYPES):
            self.logger.info(
                "%s: not an HTML page (%s), skipped", response.url, content_type.decode("latin-1")
            )
            self.crawler.stats.inc_value("newsdesk/not_html")
            return
        rendered = "playwright" in response.flags
        if rendered and len(response.body) > self.crawler.settings.getint("DOWNLOAD_MAXSIZE"):
            # (A plain download is cut off by Scrapy at that size; a browser's page is measured here.)
            self.logger.warning("%s: rendered page larger than the download limit, skipped", response.url)
            self.crawler.stats.inc_value("newsdesk/too_large")
            return
        redirects = response.meta.get("redirect_urls") or []
        yield PageItem(
            source=self.source.name,
            url=redirects[0] if redirects else response.url,
            final_url=response.url,
            redirects=redirects[1:],
            # Decoded as `newsdesk extract` decodes saved pages: declared charset, else UTF-8, else detection.
            html=decode_html(response.body, content_type.decode("latin-1")),
            listed_title=title,
            listed_published=published,
            capture=response.meta.get("newsdesk_capture"),
            render_if_empty=self.source.render == "auto" and not rendered,
        )
