"""Run one crawl of one source and record it in crawl_runs.

The Twisted reactor cannot be restarted, so a crawl is either its own process, `python -m crawler crawl
news` (crawler.child), or, with a Redis URL, handed to the long-lived workers (crawler.queued,
crawler.worker). Either way this process owns the run record (started, then closed with a status), the
per-source lease and the timeout; the crawl fills in the counters.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.child import ChildCrawl
from crawler.outcome import RunResult
from crawler.sources import Source
from crawler.spare import DEFAULT_SETTINGS, SpareCrawl, crawl_environment
from storage import locks, runs
from storage.models import RunStatus, Trigger

logger = logging.getLogger(__name__)

HOST = socket.gethostname()
LEASE_STALE_AFTER = 60.0  # seconds without a heartbeat before a crawl lease counts as abandoned


class SourceBusy(Exception):
    """Another process is crawling this source now."""


@dataclass
class CrawlJob:
    """One crawl to run: the source, where its articles go, and how the run is watched."""

    source: Source
    db_url: str
    sources_path: str
    trigger: Trigger = Trigger.MANUAL
    verbose: bool = False
    on_progress: Callable[[dict[str, int]], None] | None = None
    stop: threading.Event | None = None  # set: shut down (the crawl gets stop_grace seconds to finish)
    stop_grace: float = 30.0
    late_by: float | None = None  # a scheduled run: seconds after its planned time that it starts
    settings_module: str = DEFAULT_SETTINGS  # crawler.trial_settings for a trial (crawler.trial)
    redis_url: str | None = None  # set: the workers crawl it (crawler.queued), not a child process
    redis_prefix: str | None = None

    def settings(self, run_id: int) -> dict[str, str | int | bool]:
        """The crawl's Scrapy settings that come from the run and its source."""
        source = self.source
        return {
            "NEWSDESK_SOURCES": str(Path(self.sources_path).resolve()),
            "NEWSDESK_RUN_ID": run_id,
            "NEWSDESK_MAX_PAGES": source.max_pages,
            "ROBOTSTXT_OBEY": source.obey_robots,
            "DOWNLOAD_TIMEOUT": source.download_timeout,
            "LOG_LEVEL": "DEBUG" if self.verbose else "INFO",
        }

    def arguments(self, run_id: int) -> list[str]:
        """The crawl process's command line after `python -m crawler`."""
        options = [arg for name, value in self.settings(run_id).items() for arg in ("-s", f"{name}={value}")]
        return ["crawl", "news", "-a", f"source={self.source.name}", *options]

    def command(self, run_id: int) -> list[str]:
        return [sys.executable, "-m", "crawler", *self.arguments(run_id)]

    def environment(self) -> dict[str, str]:
        return crawl_environment(self.db_url, self.settings_module)


def prepare(engine: Engine) -> int:
    """Before new runs: runs left `running` by dead processes on this host become `interrupted`."""
    with Session(engine) as session, session.begin():
        return runs.interrupt_dead_runs(session, HOST)


def run_crawl(job: CrawlJob, engine: Engine, spare: SpareCrawl | None = None) -> RunResult:
    """Crawl `job.source` now in a child process; returns when the run is recorded with its final status.

    `spare`, a crawl process already loading (crawler.spare), is used when it was started for the job's
    database and settings. Raises SourceBusy when another process holds the source's lease; SQLAlchemy errors when the
    database cannot be used to start the run.
    """
    owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    lease = f"crawl:{job.source.name}"
    with Session(engine) as session, session.begin():
        if not locks.acquire(session, lease, owner, HOST, os.getpid(), LEASE_STALE_AFTER):
            held = locks.holder(session, lease)
            who = f"pid {held.pid} on {held.host}" if held else "another process"
            raise SourceBusy(f"source '{job.source.name}' is being crawled now by {who}")
        run_id = runs.start_run(session, job.source.name, job.trigger, HOST, os.getpid(), job.late_by)
    try:
        if not job.redis_url:
            return ChildCrawl(job, engine, run_id, lease, owner, spare).run()
        # Imported here: Redis and Scrapy cost a local crawl's command ~0.5 s of CPU it does not need.
        from crawler.queued import QueuedCrawl

        return QueuedCrawl(job, engine, run_id, lease, owner).run()
    except BaseException:
        with Session(engine) as session, session.begin():
            runs.finish_run(session, run_id, RunStatus.INTERRUPTED, "the newsdesk process was stopped")
        raise
    finally:
        with Session(engine) as session, session.begin():
            locks.release(session, lease, owner)
