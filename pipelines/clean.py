"""Clean stage: raw page -> article (extraction, canonical URL, fingerprints)."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem, PageItem
from extraction import extract, parse_date
from pipelines.base import Stage
from storage.fingerprints import content_hash, minhash
from storage.urls import canonicalize, choose_canonical

logger = logging.getLogger(__name__)


class CleanPipeline(Stage):
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
        keep = self.context.keep_params
        url = choose_canonical(item.final_url, extracted.canonical_url, keep)
        seen = {url, *(canonicalize(u, keep) for u in (item.url, *item.redirects, item.final_url))}
        return ArticleItem(
            source=item.source,
            url=url,
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
