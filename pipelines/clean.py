"""Clean stage: raw page -> article (extraction, canonical URL, fingerprints)."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem, PageItem
from pipelines.cleaning import extract
from pipelines.fingerprints import content_hash, minhash
from pipelines.metadata import parse_date
from pipelines.urls import canonicalize, choose_canonical

logger = logging.getLogger(__name__)


class CleanPipeline:
    def __init__(self, stats: StatsCollector, crawler: Crawler):
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler)

    @property
    def keep_params(self) -> frozenset[str]:
        source = getattr(self.crawler.spider, "source", None)
        return frozenset(source.keep_params) if source is not None else frozenset()

    def process_item(self, item: PageItem) -> ArticleItem:
        extracted = extract(item.html, item.final_url)
        title = extracted.title or (item.listed_title or "").strip()
        if not extracted.body:
            if not title:
                self.stats.inc_value("newsdesk/no_text")
                raise DropItem(f"no article text on {item.final_url}")
            # Kept: the page is an article the feed or sitemap named, and its metadata is worth having
            # even when its text could not be extracted (a page rendered by JavaScript, say).
            self.stats.inc_value("newsdesk/empty_body")
            logger.warning("no article text extracted from %s; stored with its title only", item.final_url)
        self.stats.inc_value("newsdesk/cleaned")
        keep = self.keep_params
        url = choose_canonical(item.final_url, extracted.canonical_url, keep)
        seen = {url, *(canonicalize(u, keep) for u in (item.url, *item.redirects, item.final_url))}
        return ArticleItem(
            source=item.source,
            url=url,
            fetched_url=item.final_url,
            title=title,
            authors=extracted.authors,
            published_at=extracted.published or parse_date(item.listed_published),
            language=extracted.language,
            body=extracted.body,
            headlines=[(h.text, h.url) for h in extracted.headlines],
            content_hash=content_hash(title, extracted.body),
            minhash=minhash(extracted.body),
            seen_urls=sorted(seen),
        )
