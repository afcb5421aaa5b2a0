"""`newsdesk worker`: a long-lived crawl process that takes part in every run handed to the workers through
Redis (crawler.queued), on any source, until SIGTERM.

One Twisted reactor for the worker's life; each run it joins is a Scrapy crawler of its own in it (the same
spider, middlewares and pipelines as a local crawl, with the run's settings), on the run's shared queue
(crawler.shared). A thread waits for new runs with a blocking pop, so an idle worker costs Redis one
command every WAIT seconds. SIGTERM (or Ctrl-C): no new runs; the crawls finish the pages in hand, put their
unfinished requests back in the queue, and the worker exits 0; a second signal stops at once (what was in
hand goes back to the queue when the run's owner sees the worker gone).
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import redis
from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from crawler.frontier import Frontier, RunInfo, redacted, worker_id
from crawler.shared import poll_shared_queue_often
from crawler.spiders.news import NewsSpider

logger = logging.getLogger(__name__)

WAIT = 2.0  # seconds a worker waits for a new run before looking at the open runs again
REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def crawl_settings(
    base: Settings, info: RunInfo, sources_file: Path, worker: str, frontier: Frontier
) -> Settings:
    """A run's crawl in this worker: the project's settings, the run's own, and the shared parts."""
    settings = base.copy()
    settings.setdict(info.settings, priority="cmdline")
    settings.setdict(
        {
            "NEWSDESK_SOURCES": str(sources_file),
            "NEWSDESK_REDIS": frontier.url,
            "NEWSDESK_REDIS_PREFIX": frontier.prefix,
            "NEWSDESK_WORKER_ID": worker,
            "NEWSDESK_SHARED_EXTRACTION": True,
            "NEWSDESK_SHARED_DATABASE": True,
            "SCHEDULER": "crawler.shared.SharedScheduler",
        },
        priority="cmdline",
    )
    extensions = settings.getdict("EXTENSIONS")
    extensions.update({"crawler.extensions.RunRecorder": None, "crawler.shared.WorkerRun": 500})
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    middlewares["crawler.shared.SharedPoliteness"] = 900  # near the downloader: after robots and the rules
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    return settings


class Worker:
    def __init__(self, redis_url: str, db_url: str, prefix: str | None = None):
        self.id = worker_id()
        self.frontier = Frontier(redis_url, prefix)
        self.db_url = db_url
        self.crawls: dict[int, Crawler] = {}
        self.joined: set[int] = set()  # runs this worker took part in (it does not join one twice)
        self.stopping = threading.Event()
        self.folder = tempfile.TemporaryDirectory(prefix="newsdesk-worker-")
        self.reactor: Any = None
        self.runner: CrawlerRunner | None = None
        self.base: Settings | None = None

    def run(self) -> int:
        """Crawl until SIGTERM/SIGINT; returns the exit code. Raises FrontierUnavailable when Redis cannot
        be reached at start."""
        self.frontier.check()
        os.environ["NEWSDESK_DB"] = self.db_url  # read by crawler.settings
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
        install_reactor(REACTOR)
        from scrapy.utils.project import get_project_settings
        from twisted.internet import reactor

        self.reactor = reactor
        self.base = get_project_settings()
        self.base.set("NEWSDESK_DB", self.db_url, priority="cmdline")
        self.base.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the command's logging stays
        level = logging.root.level
        configure_logging(self.base)
        # Scrapy lets every level through (its own loggers at DEBUG): the command chose INFO or DEBUG.
        logging.root.setLevel(level)
        logging.getLogger("scrapy").setLevel(level)
        poll_shared_queue_often()
        self.runner = CrawlerRunner(self.base)
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        logger.info("worker %s: waiting for runs on %s", self.id, redacted(self.frontier.url))
        threading.Thread(target=self.watch, name="newsdesk-runs", daemon=True).start()
        self.reactor.run(installSignalHandlers=False)
        try:
            self.frontier.leave(self.id)
        except redis.RedisError as e:
            logger.warning("could not sign off in Redis: %s", e)
        self.folder.cleanup()
        logger.info("worker %s stopped", self.id)
        return 0

    # -- runs ------------------------------------------------------------------------------------------

    def watch(self) -> None:
        """On its own thread: beat, look at the open runs, wait for an announcement; until stopping."""
        while not self.stopping.is_set() or self.crawls:
            try:
                self.frontier.beat(self.id)  # also while stopping: its requests in hand are its own
                if self.stopping.is_set():
                    self.stopping.wait(1.0)
                    continue
                open_runs = self.frontier.open_runs()
                if any(r not in self.joined for r in open_runs):
                    self.reactor.callFromThread(self.join, open_runs)
                self.frontier.wait(self.id, WAIT)
            except redis.RedisError as e:
                logger.warning("Redis unavailable, trying again: %s", e)
                threading.Event().wait(1.0)

    def join(self, run_ids: list[int]) -> None:
        """On the reactor: start this worker's crawl of each open run it is not in yet."""
        assert self.runner is not None and self.base is not None
        self.joined &= {*run_ids, *self.crawls}  # runs that are over are forgotten
        for run_id in run_ids:
            if self.stopping.is_set():
                return
            if run_id in self.joined:
                continue
            try:
                info = self.frontier.run_info(run_id)
                if info is None or info.state != "running":
                    continue
                seed = self.frontier.claim_seeding(run_id, self.id)
            except redis.RedisError as e:
                logger.warning("run %d: Redis unavailable: %s", run_id, e)
                return
            self.joined.add(run_id)
            sources_file = Path(self.folder.name) / f"run-{run_id}.toml"
            sources_file.write_text(info.sources_text, encoding="utf-8")
            crawler = Crawler(
                NewsSpider, crawl_settings(self.base, info, sources_file, self.id, self.frontier)
            )
            logger.info("run %d: crawling %s%s", run_id, info.source, " (queueing its start)" if seed else "")
            self.crawls[run_id] = crawler
            done = self.runner.crawl(crawler, source=info.source, seed="1" if seed else "0")
            done.addBoth(self.left, run_id, sources_file, seed)

    def left(self, result: Any, run_id: int, sources_file: Path, seed: bool) -> None:
        self.crawls.pop(run_id, None)
        sources_file.unlink(missing_ok=True)
        if result is not None and hasattr(result, "getErrorMessage"):
            reason = result.getErrorMessage()
            logger.error("run %d: the crawl failed: %s", run_id, reason)
            try:  # the run's start requests were this crawl's to queue: the run cannot go on
                if seed:
                    self.frontier.failed(run_id, self.id, reason)
            except redis.RedisError as e:
                logger.warning("run %d: could not report the failure: %s", run_id, e)
        else:
            logger.info("run %d: done here", run_id)
        if self.stopping.is_set() and not self.crawls:
            self.reactor.stop()

    # -- stopping --------------------------------------------------------------------------------------

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stopping.is_set():
            logger.info("received %s again: stopping now", signal.Signals(signum).name)
            self.reactor.callFromThread(self.reactor.stop)
            return
        logger.info(
            "received %s: finishing %d crawls' pages in hand, then stopping",
            signal.Signals(signum).name,
            len(self.crawls),
        )
        self.stopping.set()
        self.reactor.callFromThread(self.stop)

    def stop(self) -> None:
        if not self.crawls:
            self.reactor.stop()
            return
        for crawler in list(self.crawls.values()):
            crawler.stop()
