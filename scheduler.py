"""The daemon: one APScheduler job per source, each run a crawl child process with a run record.

Job defaults follow APScheduler's advice for cron-like work: coalesce missed runs into one, one instance
per source at a time, and a misfire grace so a run late by a few seconds still happens.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.alerts import report_health
from crawler.runner import HOST, CrawlJob, SourceBusy, prepare, run_crawl
from crawler.sources import Source, SourcesError, load_alerts, load_sources
from storage import locks, runs
from storage.capture import capture_folder, prune
from storage.db import connect, utcnow
from storage.metrics import registry
from storage.models import Trigger
from storage.records import ISO
from storage.runs import source_health

logger = logging.getLogger(__name__)

DAEMON_LEASE = "daemon"
LEASE_STALE_AFTER = 60.0  # a daemon lease without a heartbeat for this long was left by a dead daemon
HEARTBEAT_EVERY = 10.0
# Runs followed at once when the workers crawl them: a followed run costs this process a thread that looks
# at Redis once a second, so hundreds of sources due together all start on time.
DISTRIBUTED_PARALLEL = 256
LATE_WARNING = 30.0  # seconds: a scheduled run starting this late is logged as a warning


def default_parallel() -> int:
    """Crawls at once when --parallel does not say: two per core (a crawl waits on the network much of
    its time, and its extraction workers share the cores), at least 2."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(2, 2 * cores)


class CrawlPool(ThreadPoolExecutor):
    """The threads that run the crawls. Each run's planned time is noted before its thread starts (an
    EVENT_JOB_SUBMITTED listener hears of it only after, when the run may be under way): how late the run
    starts is measured against it."""

    def __init__(self, max_workers: int, due: dict[str, datetime]):
        super().__init__(max_workers=max_workers)
        self.due = due

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        if run_times:
            self.due[job.id] = run_times[-1]
        super()._do_submit_job(job, run_times)


class DaemonRunning(Exception):
    """Another daemon holds this database."""


def make_trigger(source: Source) -> BaseTrigger:
    jitter = source.jitter or None
    if source.schedule.every is not None:
        return IntervalTrigger(seconds=source.schedule.every, timezone=source.timezone, jitter=jitter)
    assert source.schedule.cron is not None
    trigger = CronTrigger.from_crontab(source.schedule.cron, timezone=source.timezone)
    trigger.jitter = jitter
    return trigger


def first_run_time(source: Source, last_started: datetime | None, now: datetime) -> datetime | None:
    """When a source first runs after the daemon starts (naive UTC), or None to follow its schedule.

    An interval source runs now if it never ran or its last run is older than the interval, else one
    interval after its last start. A cron source whose last run is older than a fire time that passed
    while the daemon was down runs once now, if that fire time is within the misfire grace.
    """
    if source.schedule.every is not None:
        if last_started is None:
            return now
        return max(last_started + timedelta(seconds=source.schedule.every), now)
    if last_started is None:
        return None
    trigger = CronTrigger.from_crontab(source.schedule.cron or "", timezone=source.timezone)
    missed = trigger.get_next_fire_time(None, last_started.replace(tzinfo=UTC) + timedelta(seconds=1))
    if missed is None:
        return None
    missed_utc = missed.astimezone(UTC).replace(tzinfo=None)
    if missed_utc <= now and (now - missed_utc).total_seconds() <= source.misfire_grace:
        return now
    return None


def next_run_time(source: Source, last_started: datetime | None, now: datetime) -> datetime | None:
    """When the daemon would next run `source` (naive UTC), or None when its schedule never fires."""
    first = first_run_time(source, last_started, now)
    if first is not None:
        return first
    fire = make_trigger(source).get_next_fire_time(None, now.replace(tzinfo=UTC))
    return fire.astimezone(UTC).replace(tzinfo=None) if fire else None


def source_overview(session: Session, sources: list[Source], now: datetime) -> list[dict[str, Any]]:
    """Each configured source with its schedule, next run time, last run and health (`newsdesk sources`)."""
    last = runs.last_runs(session)
    records = []
    for s in sources:
        run = last.get(s.name)
        started = datetime.strptime(run["started_at"], ISO) if run else None
        when = next_run_time(s, started, now)
        records.append(
            {
                "name": s.name,
                "schedule": str(s.schedule),
                "feeds": s.feeds,
                "sitemaps": s.sitemaps,
                "start_urls": s.start_urls,
                "next_run": when.strftime(ISO) if when else None,
                "last_status": run["status"] if run else None,
                "last_run": run["started_at"] if run else None,
                "late_by": run["late_by"] if run else None,
                "health": source_health(session, s.name),
            }
        )
    return records


class MetricsUnavailable(Exception):
    """The daemon cannot listen where --metrics-port says."""


class Daemon:
    def __init__(
        self,
        db_url: str,
        sources_path: str,
        verbose: bool = False,
        stop_grace: float = 30.0,
        metrics: tuple[str, int] | None = None,
        parallel: int | None = None,
        redis_url: str | None = None,
    ):
        self.metrics = metrics  # (host, port) to serve /metrics on, if any
        # Set: each run is handed to the workers (crawler.queued), and only followed here.
        self.redis_url = redis_url
        self.parallel = parallel or (
            DISTRIBUTED_PARALLEL if redis_url else default_parallel()
        )  # runs at once
        self.due: dict[str, datetime] = {}  # when each source's current run was planned
        self.lag: dict[str, float] = {}  # how late each source's last scheduled run started (seconds)
        self.reload_event = threading.Event()
        self.sources_mtime = 0.0
        self.db_url = db_url
        self.sources_path = sources_path
        self.verbose = verbose
        self.stop_grace = stop_grace
        self.stop_event = threading.Event()
        self.owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.sources: dict[str, Source] = {}
        self.engine: Engine | None = None
        self.scheduler: BackgroundScheduler | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def run(self) -> int:
        """Schedule every source until SIGINT/SIGTERM; returns the exit code."""
        self.sources = {s.name: s for s in load_sources(self.sources_path)}
        self.sources_mtime = self._mtime()
        self.engine = connect(self.db_url)
        with Session(self.engine) as session, session.begin():
            if not locks.acquire(session, DAEMON_LEASE, self.owner, HOST, os.getpid(), LEASE_STALE_AFTER):
                held = locks.holder(session, DAEMON_LEASE)
                who = f"pid {held.pid} on {held.host}" if held else "another process"
                raise DaemonRunning(f"a daemon is already running on this database ({who})")
        try:
            interrupted = prepare(self.engine)
            if interrupted:
                logger.info("%d runs left by a stopped process marked interrupted", interrupted)
            self._install_signals()
            self.scheduler = self._build_scheduler()
            if self.metrics is not None:
                self._serve_metrics(*self.metrics)
            self.scheduler.start()
            seen_mtime = self.sources_mtime
            while not self.stop_event.wait(1.0):
                # A changed file is reloaded once it has stopped changing (not half-way through a save).
                mtime = self._mtime()
                settled = mtime != self.sources_mtime and mtime == seen_mtime
                seen_mtime = mtime
                if self.reload_event.is_set() or settled:
                    self.reload_event.clear()
                    self.reload()
            logger.info("stopping: no new runs; running crawls get %.0fs to finish", self.stop_grace)
            self.scheduler.shutdown(wait=True)
            logger.info("daemon stopped")
            return 0
        finally:
            with Session(self.engine) as session, session.begin():
                locks.release(session, DAEMON_LEASE, self.owner)
            self.engine.dispose()

    def _install_signals(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            logger.info("received %s", signal.Signals(signum).name)
            self.stop_event.set()

        def reload_handler(signum: int, _frame: FrameType | None) -> None:
            logger.info("received SIGHUP: reloading %s", self.sources_path)
            self.reload_event.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGHUP, reload_handler)

    def _mtime(self) -> float:
        try:
            return os.stat(self.sources_path).st_mtime
        except OSError:
            return 0.0

    def reload(self) -> None:
        """Apply the sources file as it is now: new sources are scheduled, removed ones unscheduled,
        changed ones rescheduled. Running crawls go on undisturbed. A broken file changes nothing."""
        assert self.scheduler is not None and self.engine is not None
        self.sources_mtime = self._mtime()
        try:
            fresh = {s.name: s for s in load_sources(self.sources_path)}
        except SourcesError as e:
            logger.error("sources not reloaded, the file has problems: %s", "; ".join(e.problems))
            return
        now = utcnow()
        # The new sources are in place before any job is (re)added: a job due now may start at once,
        # and it looks its source up by name.
        before, self.sources = self.sources, fresh
        for name in before.keys() - fresh.keys():
            self.scheduler.remove_job(name)
            logger.info("source %s removed", name)
        with Session(self.engine) as session:
            for name, source in fresh.items():
                if before.get(name) == source:
                    continue
                if name in before:
                    self.scheduler.remove_job(name)
                self._add_job(source, session, now)
                logger.info("source %s %s", name, "rescheduled" if name in before else "added")

    def _build_scheduler(self) -> BackgroundScheduler:
        assert self.engine is not None
        scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={"default": CrawlPool(self.parallel, self.due)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.scheduler = scheduler
        now = utcnow()
        with Session(self.engine) as session:
            for source in self.sources.values():
                self._add_job(source, session, now)
        scheduler.add_job(self.heartbeat, IntervalTrigger(seconds=HEARTBEAT_EVERY), id="_heartbeat")
        return scheduler

    def _add_job(self, source: Source, session: Session, now: datetime) -> None:
        assert self.scheduler is not None
        last = runs.last_started(session, source.name)
        kwargs: dict[str, Any] = {}
        last_started = last.started_at if last else None
        first = first_run_time(source, last_started, now)
        if first is not None:
            kwargs["next_run_time"] = first.replace(tzinfo=UTC)
        when = next_run_time(source, last_started, now)
        logger.info(
            "source %s (%s): %s",
            source.name,
            source.schedule,
            "runs now" if when == now else f"next run at {when:%Y-%m-%dT%H:%M:%SZ}" if when else "never runs",
        )
        self.scheduler.add_job(
            self.run_source,
            make_trigger(source),
            args=[source.name],
            id=source.name,
            name=f"crawl {source.name}",
            misfire_grace_time=source.misfire_grace,
            **kwargs,
        )

    # -- jobs --------------------------------------------------------------------------------------

    def _serve_metrics(self, host: str, port: int) -> None:
        """The archive's metrics and the schedule lag, in Prometheus' text format, on a thread of its own."""
        assert self.engine is not None
        metrics = registry(self.engine, self._lag_metrics)
        try:
            server, _thread = start_http_server(port, addr=host, registry=metrics)
        except OSError as e:  # the port is taken, or not ours to use
            raise MetricsUnavailable(f"cannot serve metrics on {host}:{port}: {e}") from None
        logger.info("metrics on http://%s:%d/metrics", host, server.server_address[1])

    def _lag_metrics(self) -> list[Metric]:
        lag = GaugeMetricFamily(
            "newsdesk_schedule_lag_seconds",
            "How late the source's last scheduled run started after its planned time",
            labels=["source"],
        )
        for name, seconds in sorted(self.lag.items()):
            lag.add_metric([name], seconds)
        return [lag]

    def heartbeat(self) -> None:
        assert self.engine is not None
        with Session(self.engine) as session, session.begin():
            if not locks.heartbeat(session, DAEMON_LEASE, self.owner):
                logger.error("the daemon lease was taken over by another daemon; stopping")
                self.stop_event.set()

    def run_source(self, name: str) -> None:
        due = self.due.pop(name, None)
        late_by = max(0.0, (datetime.now(UTC) - due).total_seconds()) if due is not None else None
        if late_by is not None:
            self.lag[name] = late_by
            if late_by >= LATE_WARNING:
                logger.warning(
                    "source %s: run starts %.0fs after its time (%d crawls at once, all busy: see --parallel)",
                    name,
                    late_by,
                    self.parallel,
                )
            elif late_by >= 1.0:
                logger.info("source %s: run starts %.1fs after its time", name, late_by)
        source = self.sources.get(name)
        if source is None:
            logger.warning("source %s is no longer in %s; run skipped", name, self.sources_path)
            return
        if self.stop_event.is_set():
            return
        assert self.engine is not None
        job = CrawlJob(
            source,
            self.db_url,
            self.sources_path,
            trigger=Trigger.SCHEDULE,
            verbose=self.verbose,
            stop=self.stop_event,
            stop_grace=self.stop_grace,
            late_by=late_by,
            redis_url=self.redis_url,
        )
        try:
            result = run_crawl(job, self.engine)
        except SourceBusy as e:
            logger.warning("skipped this run: %s", e)
            return
        except Exception:  # the schedule must go on whatever one run does
            logger.exception("run of %s failed", name)
            return
        if source.keep_capture is not None:
            removed = prune(capture_folder(self.db_url), name, source.keep_capture / 86400, utcnow().date())
            if removed:
                logger.info("%s: %d WARC files older than keep_capture removed", name, removed)
        with Session(self.engine) as session:
            health = source_health(session, result.source)
        if health != "ok":
            logger.warning("source %s needs a look: %s", name, health)
        try:
            urls = load_alerts(self.sources_path)  # read now: an edited [alerts] applies at once
        except SourcesError as e:
            logger.warning("alerts not sent: %s", e)
            return
        report_health(self.engine, result.source, urls)
