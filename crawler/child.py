"""A run's crawl process, watched by the process that started it until it ends: its timeout, a shutdown,
the source lease's heartbeat and progress reports; then the run's status recorded from how it ended."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.outcome import RunResult, outcome, stored_counters
from crawler.spare import SpareCrawl, new_log, start_crawl_process
from storage import locks, runs
from storage.db import error_reason
from storage.models import RunStatus

if TYPE_CHECKING:
    from crawler.runner import CrawlJob

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 10.0
POLL_EVERY = 0.25
# The child refreshes its run row every 2 s (NEWSDESK_PROGRESS_INTERVAL): no need to read it 4 times a second.
PROGRESS_EVERY = 1.0
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL when a hung or abandoned child must stop


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


class ChildCrawl:
    """The crawl process of one run, watched until it ends: its timeout, a shutdown, the lease's
    heartbeat and progress reports; then the run's status recorded from how it ended."""

    def __init__(
        self,
        job: CrawlJob,
        engine: Engine,
        run_id: int,
        lease: str,
        owner: str,
        spare: SpareCrawl | None = None,
    ):
        self.job = job
        self.engine = engine
        self.run_id = run_id
        self.lease = lease
        self.owner = owner
        self.started = time.monotonic()
        self.last_beat = self.last_progress = self.started
        self.last_counters: dict[str, int] = {}
        self.stopping_since: float | None = None
        self.spare = spare

    def run(self) -> RunResult:
        job = self.job
        logger.info("run %d: crawling %s", self.run_id, job.source.name)
        arguments, env = job.arguments(self.run_id), job.environment()
        taken = self.spare.take(arguments, env) if self.spare is not None else None
        if taken is None:
            log_path = new_log(job.source.name)
            child = start_crawl_process(arguments, env, log_path)
        else:
            child, log_path = taken
        with open(log_path, "rb") as reader:
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
                counters = stored_counters(self.engine, self.run_id)
                if counters != self.last_counters:
                    self.last_counters = counters
                    self.job.on_progress(counters)
        except SQLAlchemyError as e:
            # The database went away: the crawl goes on (its articles wait in the spool).
            logger.warning("run %d: database unavailable, crawl continues: %s", self.run_id, error_reason(e))

    def record(self, ended: tuple[RunStatus, str] | None, code: int, log_path: Path | None) -> RunResult:
        """Record how the run ended: `ended` when this process ended it, else read from what the crawl
        recorded (`code` its exit code, `log_path` its log)."""
        with Session(self.engine) as session, session.begin():
            run = runs.get_run(session, self.run_id)
            status, message = ended or outcome(run, code, log_path)
            drift = runs.run_drift(session, run) if run is not None else ""
            if drift:  # said in the run's own record, where a person looks first
                message = f"{message}; extraction drifted from this source's usual: {drift}"
            runs.finish_run(session, self.run_id, status, message)
        counters = stored_counters(self.engine, self.run_id)
        logger.info(
            "run %d: %s %s in %.1fs: %s",
            self.run_id,
            self.job.source.name,
            status,
            time.monotonic() - self.started,
            ", ".join(f"{k} {v}" for k, v in counters.items()),
        )
        return RunResult(self.run_id, self.job.source.name, status, message, counters)

    def finish(self, ended: tuple[RunStatus, str] | None, code: int, log_path: Path) -> RunResult:
        """Record how the run ended, keep the log of one that did not end ok, and say so."""
        result = self.record(ended, code, log_path)
        if result.status is RunStatus.OK:
            log_path.unlink(missing_ok=True)
        else:
            # One log kept per source, the last run that did not end ok: bounded however long the daemon runs.
            kept = Path(tempfile.gettempdir()) / f"newsdesk-{result.source}-last-{result.status}.log"
            try:
                log_path.replace(kept)
            except OSError as e:  # the temporary folder was cleaned meanwhile: the message has the tail
                logger.debug("could not keep the crawl log %s: %s", log_path, e)
            logger.warning(
                "run %d of %s ended %s: %s (log: %s)",
                self.run_id,
                result.source,
                result.status,
                result.message,
                kept,
            )
        return result
