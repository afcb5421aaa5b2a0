"""Extensions: the crawl's database (one engine for every component, for the crawl's life) and the
RunRecorder, which keeps this crawl's crawl_runs row up to date with its stats."""

from __future__ import annotations

import functools
import json
import logging
from typing import IO, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet import task

from crawler.items import ArticleItem, url_noted
from storage.db import Database
from storage.runs import set_counters, set_outcome

logger = logging.getLogger(__name__)

IGNORED = "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest"
ERROR_STATS = (
    "downloader/exception_count",
    "spider_exceptions/count",
    "httperror/response_ignored_count",
    "newsdesk/http_error",
    "item_error_count",
)


class CrawlDatabase(Database):
    """The crawl's engine: opened (and its schema checked) by the first component that uses it, disposed
    when the crawl engine stops, after every pipeline and middleware is done with it. Components find it
    with `crawler.get_extension(storage.db.Database)`."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDatabase:
        if crawler.settings.getbool("NEWSDESK_SHARED_DATABASE"):
            return shared_database(crawler.settings["NEWSDESK_DB"])
        database = cls(crawler.settings["NEWSDESK_DB"])
        crawler.signals.connect(database.close, signal=signals.engine_stopped)
        return database


@functools.cache
def shared_database(url: str) -> CrawlDatabase:
    """One engine (and connection pool) for all the crawls of a long-lived process (`newsdesk worker`,
    which runs a crawl per open run): a database serves a bounded number of connections."""
    return CrawlDatabase(url)


def crawl_database(crawler: Crawler) -> Database:
    """The crawl's Database (the CrawlDatabase extension), for a component's from_crawler."""
    database = crawler.get_extension(Database)
    if database is None:
        raise NotConfigured("the crawler.extensions.CrawlDatabase extension is not enabled")
    return database


class LogLevel:
    """The root logger at the crawl's LOG_LEVEL once the spider opens. Scrapy filters in its root handler
    and leaves the root logger at NOTSET, so each page's debug lines (crawled, scraped, stored) were made
    into records, their caller looked up on the stack, and then dropped: ~3% of a crawl process's CPU at
    INFO. Set at the call, they cost a level check."""

    def __init__(self, level: str | int):
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LogLevel:
        extension = cls(crawler.settings.get("LOG_LEVEL"))
        # spider_opened: after Scrapy has installed its root handler (which sets the root to NOTSET).
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        logging.getLogger().setLevel(self.level)


class ItemErrors:
    """An item that fails in a pipeline (anything but a DropItem) is an error of the run, and leaves the
    run incomplete: the feeds' validators are not saved, so the next run reads them in full and fetches
    the article again. (Scrapy logs such a failure but counts it nowhere.)"""

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemErrors:
        assert crawler.stats is not None
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        return extension

    def item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self.stats.inc_value("item_error_count")
        self.stats.inc_value("newsdesk/article_errors")


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


QUALITY = ("empty_body", "no_title", "no_date", "no_author", "with_headlines")


def run_quality(stats: dict[str, Any]) -> dict[str, Any] | None:
    """What extraction gave on the run's pages (pipelines.clean): how many, the share of them without a
    body, title, date or author and with split-off headlines, and the median body length in characters;
    None before any page was extracted."""
    pages = stats.get("newsdesk/quality/pages", 0)
    if not pages:
        return None
    quality: dict[str, Any] = {"pages": pages}
    quality.update({k: round(stats.get(f"newsdesk/quality/{k}", 0) / pages, 3) for k in QUALITY})
    quality["median_body"] = stats.get("newsdesk/quality/median_body")
    return quality


BLOCKING_STATUSES = (401, 403, 429)


def run_blocked(stats: dict[str, Any]) -> str:
    """'403 on 18 of 20 requests' when most of the run's responses were a refusal (401, 403, 429) or a bot
    wall, else ''."""
    total = stats.get(
        "downloader/response_count", 0
    )  # every response, walls the crawl went no further with too
    refused = {code: stats.get(f"downloader/response_status_count/{code}", 0) for code in BLOCKING_STATUSES}
    walls = stats.get("newsdesk/bot_wall", 0)
    blocked = sum(refused.values()) + walls
    if not total or blocked * 2 <= total:
        return ""
    what = max(refused, key=lambda c: refused[c]) if max(refused.values()) >= walls else "a bot wall"
    return f"{what} on {blocked} of {total} requests"


def spool_message(stats: dict[str, Any]) -> str:
    """What a person should know of articles this crawl left in the spool ('' when none)."""
    if not stats.get("newsdesk/spooled"):
        return ""
    return (
        f"spooled: {stats['newsdesk/spooled']} articles kept in {stats['newsdesk/spool_file']} "
        f"(database unavailable: {stats['newsdesk/spool_reason']}); the next crawl writes them"
    )


def limits_message(stats: dict[str, Any]) -> str:
    """The run's bounds that were hit, and requests robots.txt forbade ('' when none)."""
    notes = []
    if stats.get("newsdesk/over_max_pages"):
        notes.append(
            f"max_pages reached: {stats['newsdesk/over_max_pages']} more articles wait for the next run"
        )
    if stats.get("newsdesk/over_max_listing_pages"):
        notes.append(
            f"max_listing_pages reached: {stats['newsdesk/over_max_listing_pages']} listing pages not read"
        )
    if stats.get("robotstxt/forbidden"):
        notes.append(f"robots.txt forbade {stats['robotstxt/forbidden']} requests")
    return "; ".join(notes)


def run_message(stats: dict[str, Any]) -> str:
    return "; ".join(m for m in (spool_message(stats), limits_message(stats)) if m)


class RunRecorder:
    def __init__(self, run_id: int, interval: float, crawler: Crawler):
        self.run_id = run_id
        self.interval = interval
        self.crawler = crawler
        self.database: Database | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        run_id = crawler.settings.getint("NEWSDESK_RUN_ID")
        if not run_id:
            raise NotConfigured("no NEWSDESK_RUN_ID: this crawl has no run record")
        recorder = cls(run_id, crawler.settings.getfloat("NEWSDESK_PROGRESS_INTERVAL"), crawler)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self) -> None:
        # Extensions are built together: the database is looked up once they all exist.
        self.database = crawl_database(self.crawler)
        self.loop = task.LoopingCall(self.save)
        self.loop.start(self.interval, now=False)

    def save(self, outcome: tuple[str, int, str] | None = None) -> None:
        """Write the counters so far, and with `outcome` (close reason, spooled, message) how it ended."""
        assert self.database is not None and self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        counters = run_counters(stats)
        try:
            with Session(self.database.engine) as session, session.begin():
                set_counters(session, self.run_id, counters, run_quality(stats), run_blocked(stats))
                if outcome is not None:
                    set_outcome(session, self.run_id, *outcome)
        except SQLAlchemyError as e:
            logger.warning("could not update run %d: %s", self.run_id, e)

    def spider_closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.database is not None:
            stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
            self.save((reason, stats.get("newsdesk/spooled", 0), run_message(stats)))


class TrialLog:
    """A trial crawl (`newsdesk try`, `newsdesk fetch`; crawler.trial): what became of every URL, each
    article page's response status, and each article as extracted, written as JSON lines to
    NEWSDESK_TRIAL_OUTPUT for the command to show. Nothing is stored."""

    def __init__(self, out: IO[str]):
        self.out = out

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TrialLog:
        path = crawler.settings.get("NEWSDESK_TRIAL_OUTPUT")
        if not path:
            raise NotConfigured("not a trial crawl")
        log = cls(open(path, "a", encoding="utf-8"))  # noqa: SIM115 -- closed with the spider
        crawler.signals.connect(log.url_noted, signal=url_noted)
        crawler.signals.connect(log.response_received, signal=signals.response_received)
        crawler.signals.connect(log.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(log.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(log.spider_closed, signal=signals.spider_closed)
        return log

    def write(self, kind: str, **record: Any) -> None:
        self.out.write(json.dumps({"kind": kind, **record}, ensure_ascii=False) + "\n")
        self.out.flush()

    def url_noted(self, url: str, via: str, decision: str, reason: str) -> None:
        self.write("url", url=url, via=via, decision=decision, reason=reason)

    def response_received(self, response: Any, request: Any) -> None:
        if request.meta.get("newsdesk_article"):
            self.write("fetched", url=request.url, status=response.status)
        elif not request.meta.get("dont_obey_robotstxt"):  # a feed, sitemap or listing page (not robots.txt)
            self.write("index", url=request.url, status=response.status)

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, ArticleItem):
            self.write(
                "article",
                url=item.url,
                title=item.title,
                authors=item.authors,
                published=item.published_at.isoformat() if item.published_at else None,
                language=item.language,
                body=item.body,
                headlines=[text for text, _ in item.headlines],
            )

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        url = getattr(item, "final_url", None) or getattr(item, "url", "")
        self.write("url", url=url, via="", decision="failed", reason=str(exception))

    def spider_closed(self, reason: str) -> None:
        self.write("closed", reason=reason)
        self.out.close()
