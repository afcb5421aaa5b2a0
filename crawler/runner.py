"""Run one crawl of one source in a child process and record it in crawl_runs.

The Twisted reactor cannot be restarted, so every crawl is its own process: `python -m crawler crawl news`.
The parent owns the run record (started, then closed with a status), the per-source lease, the timeout,
and stopping the child; the child fills in the counters (crawler.extensions.RunRecorder).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.sources import Source
from storage import locks, runs
from storage.db import error_reason
from storage.models import CrawlRun, RunStatus, Trigger

logger = logging.getLogger(__name__)

HOST = socket.gethostname()
LEASE_STALE_AFTER = 60.0  # seconds without a heartbeat before a crawl lease counts as abandoned
HEARTBEAT_EVERY = 10.0
POLL_EVERY = 0.25
# The child refreshes its run row every 2 s (NEWSDESK_PROGRESS_INTERVAL): no need to read it 4 times a second.
PROGRESS_EVERY = 1.0
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL when a hung or abandoned child must stop


class SourceBusy(Exception):
    """Another process is crawling this source now."""


@dataclass
class RunResult:
    run_id: int
    source: str
    status: RunStatus
    message: str = ""
    counters: dict[str, int] = field(default_factory=dict)


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
    settings_module: str = "crawler.settings"  # crawler.trial_settings for a trial (crawler.trial)

    def command(self, run_id: int) -> list[str]:
        source = self.source
        settings = {
            "NEWSDESK_SOURCES": Path(self.sources_path).resolve(),
            "NEWSDESK_RUN_ID": run_id,
            "NEWSDESK_MAX_PAGES": source.max_pages,
            "ROBOTSTXT_OBEY": source.obey_robots,
            "DOWNLOAD_TIMEOUT": source.download_timeout,
            "LOG_LEVEL": "DEBUG" if self.verbose else "INFO",
        }
        options = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
        return [sys.executable, "-m", "crawler", "crawl", "news", "-a", f"source={source.name}", *options]

    def environment(self) -> dict[str, str]:
        """The crawl process's environment: its settings, its parent (crawler.__main__) and database."""
        return {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": self.settings_module,
            "NEWSDESK_PARENT_PID": str(os.getpid()),
            "NEWSDESK_DB": self.db_url,  # not in argv: `ps` shows argv to everyone
        }


def prepare(engine: Engine) -> int:
    """Before new runs: runs left `running` by dead processes on this host become `interrupted`."""
    with Session(engine) as session, session.begin():
        return runs.interrupt_dead_runs(session, HOST)


def _stop(child: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM to the child's process group, SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(path: Path, limit: int = 600) -> str:
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines() if x.strip()]
    except OSError:
        return ""
    # Scrapy's lines read "<time> [<logger>] ERROR: <message>"; the message is what a person needs, and
    # after a traceback its exception's line ("module.SomeError: what went wrong").
    errors = []
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and not line.startswith(" "):
            in_traceback = False
            errors.append(EXCEPTION_RE.sub("", line))
        elif "] ERROR: " in line or "] CRITICAL: " in line:
            errors.append(line.split("] ", 1)[-1])
    text = " | ".join(errors[-2:] or lines[-3:])
    return text[-limit:]


EXCEPTION_RE = re.compile(r"^(?:\w+\.)+(?=\w+:)")  # an exception's module path, before its class name


def run_crawl(job: CrawlJob, engine: Engine) -> RunResult:
    """Crawl `job.source` now in a child process; returns when the run is recorded with its final status.

    Raises SourceBusy when another process holds the source's lease; SQLAlchemy errors when the
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
        return ChildCrawl(job, engine, run_id, lease, owner).run()
    except BaseException:
        with Session(engine) as session, session.begin():
            runs.finish_run(session, run_id, RunStatus.INTERRUPTED, "the newsdesk process was stopped")
        raise
    finally:
        with Session(engine) as session, session.begin():
            locks.release(session, lease, owner)


class ChildCrawl:
    """The crawl process of one run, watched until it ends: its timeout, a shutdown, the lease's
    heartbeat and progress reports; then the run's status recorded from how it ended."""

    def __init__(self, job: CrawlJob, engine: Engine, run_id: int, lease: str, owner: str):
        self.job = job
        self.engine = engine
        self.run_id = run_id
        self.lease = lease
        self.owner = owner
        self.started = time.monotonic()
        self.last_beat = self.last_progress = self.started
        self.last_counters: dict[str, int] = {}
        self.stopping_since: float | None = None

    def run(self) -> RunResult:
        job = self.job
        with tempfile.NamedTemporaryFile(
            prefix=f"newsdesk-{job.source.name}-", suffix=".log", delete=False
        ) as log:
            log_path = Path(log.name)
        logger.info("run %d: crawling %s", self.run_id, job.source.name)
        with open(log_path, "wb") as log_file, open(log_path, "rb") as reader:
            child = subprocess.Popen(
                job.command(self.run_id),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=job.environment(),
                start_new_session=True,
            )
            try:
                ended = self.watch(child, reader)
            except BaseException:
                _stop(child, KILL_GRACE)
                raise
            self.echo(reader)
        try:
            return self.finish(ended, child.returncode, log_path)
        except SQLAlchemyError as e:
            # Left `running`: the next crawl or daemon on this host marks it interrupted.
            logger.error(
                "run %d of %s could not be recorded: %s", self.run_id, job.source.name, error_reason(e)
            )
            return RunResult(
                self.run_id, job.source.name, RunStatus.FAILED, f"database unavailable: {error_reason(e)}"
            )

    def echo(self, reader: BinaryIO) -> None:
        """With --verbose, the child's log as it grows."""
        if self.job.verbose:
            chunk = reader.read()
            if chunk:
                sys.stderr.write(chunk.decode(errors="replace"))

    def watch(self, child: subprocess.Popen[bytes], reader: BinaryIO) -> tuple[RunStatus, str] | None:
        """Wait for the child; stop it on timeout or after a shutdown's grace. Returns the status and
        message when the parent ended the run, None when the child exited by itself."""
        while True:
            try:
                child.wait(timeout=POLL_EVERY)
                return None
            except subprocess.TimeoutExpired:
                pass
            self.echo(reader)
            now = time.monotonic()
            ended = self.deadline(now)
            if ended is not None:
                _stop(child, KILL_GRACE)
                return ended
            self.report(now)

    def deadline(self, now: float) -> tuple[RunStatus, str] | None:
        """Whether the run must be stopped now: over its timeout, or past the shutdown's grace."""
        job, source = self.job, self.job.source
        if now - self.started > source.timeout:
            logger.warning(
                "run %d: %s exceeded its %ds timeout, stopping it", self.run_id, source.name, source.timeout
            )
            return RunStatus.TIMEOUT, f"killed after the {source.timeout}s timeout"
        if job.stop is not None and job.stop.is_set():
            # Shutdown: the crawl may finish on its own within the grace, else it is stopped.
            if self.stopping_since is None:
                self.stopping_since = now
                logger.info("run %d: %s gets %.0fs to finish", self.run_id, source.name, job.stop_grace)
            elif now - self.stopping_since >= job.stop_grace:
                logger.info("run %d: stopping %s (shutdown)", self.run_id, source.name)
                return RunStatus.INTERRUPTED, "stopped by shutdown"
        return None

    def report(self, now: float) -> None:
        """The lease's heartbeat, and the counters to on_progress when they changed."""
        try:
            if now - self.last_beat >= HEARTBEAT_EVERY:
                self.last_beat = now
                with Session(self.engine) as session, session.begin():
                    locks.heartbeat(session, self.lease, self.owner)
            if self.job.on_progress is not None and now - self.last_progress >= PROGRESS_EVERY:
                self.last_progress = now
                counters = _counters(self.engine, self.run_id)
                if counters != self.last_counters:
                    self.last_counters = counters
                    self.job.on_progress(counters)
        except SQLAlchemyError as e:
            # The database went away: the crawl goes on (its articles wait in the spool).
            logger.warning("run %d: database unavailable, crawl continues: %s", self.run_id, error_reason(e))

    def finish(self, ended: tuple[RunStatus, str] | None, code: int, log_path: Path) -> RunResult:
        """Record how the run ended, keep the log of one that did not end ok, and say so."""
        source = self.job.source
        with Session(self.engine) as session, session.begin():
            run = runs.get_run(session, self.run_id)
            status, message = ended or _outcome(run, code, log_path)
            drift = runs.run_drift(session, run) if run is not None else ""
            if drift:  # said in the run's own record, where a person looks first
                message = f"{message}; extraction drifted from this source's usual: {drift}"
            runs.finish_run(session, self.run_id, status, message)
        counters = _counters(self.engine, self.run_id)
        if status is RunStatus.OK:
            log_path.unlink(missing_ok=True)
        else:
            # One log kept per source, the last run that did not end ok: bounded however long the daemon runs.
            kept = Path(tempfile.gettempdir()) / f"newsdesk-{source.name}-last-{status}.log"
            try:
                log_path.replace(kept)
            except OSError as e:  # the temporary folder was cleaned meanwhile: the message has the tail
                logger.debug("could not keep the crawl log %s: %s", log_path, e)
            logger.warning(
                "run %d of %s ended %s: %s (log: %s)", self.run_id, source.name, status, message, kept
            )
        logger.info(
            "run %d: %s %s in %.1fs: %s",
            self.run_id,
            source.name,
            status,
            time.monotonic() - self.started,
            ", ".join(f"{k} {v}" for k, v in counters.items()),
        )
        return RunResult(self.run_id, source.name, status, message, counters)


def _outcome(run: CrawlRun | None, code: int, log_path: Path) -> tuple[RunStatus, str]:
    """The status of a run whose crawl process exited by itself, from its exit code and what it recorded
    (Scrapy's close reason, articles left in the spool)."""
    reason = run.close_reason if run is not None else None
    if code != 0 or not reason:
        tail = log_tail(log_path)
        return RunStatus.FAILED, f"crawl process exited with code {code}" + (f": {tail}" if tail else "")
    assert run is not None
    if run.spooled:
        return RunStatus.FAILED, run.message
    if run.blocked:
        return RunStatus.FAILED, f"blocked: {run.blocked}" + (f"; {run.message}" if run.message else "")
    if reason == "shutdown":
        return RunStatus.INTERRUPTED, reason
    if run.errors and not runs.reached_articles(run):
        return RunStatus.FAILED, f"no article could be fetched ({run.errors} errors): {log_tail(log_path)}"
    return RunStatus.OK, f"{reason}; {run.message}" if run.message else reason


def _counters(engine: Engine, run_id: int) -> dict[str, int]:
    with Session(engine) as session:
        run = runs.get_run(session, run_id)
        return {k: getattr(run, k) for k in runs.COUNTERS} if run is not None else {}
