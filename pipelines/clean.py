"""Clean stage: raw page -> article (extraction, canonical URL, fingerprints).

The work is pure CPU: it runs in a pool of worker processes (NEWSDESK_EXTRACT_WORKERS, one per core by
default), so the reactor goes on fetching, and both cores work, while pages are extracted.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import gc
import logging
import multiprocessing
import os
import statistics
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem, PageItem, render_wanted
from extraction import PageTooSlow, time_limit_value
from pipelines.base import Stage, StageContext
from pipelines.clean_worker import clean_page, worker_started
from storage.fingerprints import signature

logger = logging.getLogger(__name__)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def new_pool(workers: int) -> ProcessPoolExecutor:
    # Spawned, not forked: a fork of the crawl process would copy its reactor, threads and sockets.
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker_started,
        initargs=(os.getpid(), gc.get_threshold()),
    )
    # Every worker started now (the pool starts one for each task it cannot give to an idle worker): they
    # load the extractor while the crawl fetches robots.txt and its feeds, not once the first pages wait.
    for _ in range(workers):
        pool.submit(os.getpid)
    return pool


@functools.cache
def shared_pool(workers: int) -> ProcessPoolExecutor:
    """One pool for all the crawls of a long-lived process (`newsdesk worker`), started once."""
    pool = new_pool(workers)
    atexit.register(pool.shutdown, wait=False, cancel_futures=True)
    return pool


class CleanPipeline(Stage):
    def __init__(self, context: StageContext, workers: int = 0):
        super().__init__(context)
        self.workers = workers
        self.time_limit = 0.0  # seconds a page may take to extract (0: no limit)
        self.shared = False  # the process's one pool, for every crawl in it (a long-lived worker's)
        self.pool: Executor | None = None
        self.body_lengths: list[int] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        stage = super().from_crawler(crawler)
        workers = crawler.settings.getint("NEWSDESK_EXTRACT_WORKERS", -1)
        stage.workers = default_workers() if workers < 0 else workers
        stage.shared = crawler.settings.getbool("NEWSDESK_SHARED_EXTRACTION")
        stage.time_limit = time_limit_value(
            crawler.settings.get("NEWSDESK_EXTRACT_TIME_LIMIT"), "NEWSDESK_EXTRACT_TIME_LIMIT"
        )
        return stage

    def open_spider(self) -> None:
        if self.shared and self.workers > 0:
            self.pool = shared_pool(self.workers)
        elif self.workers > 0:
            self.pool = new_pool(self.workers)

    def measure(self, article: ArticleItem) -> None:
        """What extraction gave on this page, for the run's quality figures (crawler.extensions.run_quality)."""
        self.stats.inc_value("newsdesk/quality/pages")
        for name, missing in (
            ("empty_body", not article.body),
            ("no_title", not article.title),
            ("no_date", article.published_at is None),
            ("no_author", not article.authors),
            ("with_headlines", bool(article.headlines)),
        ):
            if missing:
                self.stats.inc_value(f"newsdesk/quality/{name}")
        self.body_lengths.append(len(article.body))

    def close_spider(self) -> None:
        if self.body_lengths:
            self.stats.set_value("newsdesk/quality/median_body", int(statistics.median(self.body_lengths)))
        if self.pool is not None and not self.shared:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None

    async def process_item(self, item: PageItem) -> ArticleItem:
        keep = self.context.keep_params
        try:
            if self.pool is None:
                article = clean_page(item, keep, self.time_limit)
            else:
                article = await asyncio.wrap_future(self.pool.submit(clean_page, item, keep, self.time_limit))
        except BrokenProcessPool:
            if self.shared:  # the next crawl of this process gets a new pool; this page fails
                shared_pool.cache_clear()
            raise
        except PageTooSlow as e:  # an error of the run: the page is fetched again next time
            self.stats.inc_value("newsdesk/too_slow")
            logger.error("%s: %s; not stored (NEWSDESK_EXTRACT_TIME_LIMIT)", item.final_url, e)
            raise
        if not article.body and item.render_if_empty and self.context.signals is not None:
            self.context.signals.send_catch_log(render_wanted, item=item)
            raise DropItem(f"no article text without a browser on {item.final_url}: rendering it")
        self.measure(article)
        if not article.body:
            if not article.title:
                self.stats.inc_value("newsdesk/no_text")
                raise DropItem(f"no article text on {item.final_url}")
            # Kept: the page is an article the feed or sitemap named, and its metadata is worth having
            # even when its text could not be extracted (a page rendered by JavaScript, say).
            self.stats.inc_value("newsdesk/empty_body")
            logger.warning("no article text extracted from %s; stored with its title only", item.final_url)
        self.stats.inc_value("newsdesk/cleaned")
        article.minhash = signature(article.shingle_hashes)
        article.shingle_hashes = None
        return article
