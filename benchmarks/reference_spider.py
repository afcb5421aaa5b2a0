"""The thirty-line alternative newsdesk is measured against: a Scrapy SitemapSpider that calls
trafilatura.extract in its callback and writes JSON lines (Scrapy's default settings otherwise).

    scrapy runspider benchmarks/reference_spider.py -a sitemap=URL -O pages.jsonl
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import trafilatura
from scrapy.http import Response
from scrapy.spiders import SitemapSpider


class ReferenceSpider(SitemapSpider):
    name = "reference"
    custom_settings = {"ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "INFO"}

    def __init__(self, sitemap: str = "", *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sitemap_urls = [sitemap]

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        text = trafilatura.extract(response.text)
        yield {"url": response.url, "text": text, "done": time.time()}  # (when: for the benchmark's timeline)
