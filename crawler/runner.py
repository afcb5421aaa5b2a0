"""Run one crawl of one source in a child process and record it in crawl_runs.

The Twisted reactor cannot be restarted, so every crawl is its own process: `python -m crawler crawl news`.
The parent owns the run record (started, then closed with a status), the per-source lease, the timeout,
and stopping the child; the child fills in the counters (crawler.extensions.RunRecorder).
"""

from __future__ import annotations

import logging
import os
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

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.sources import Source
from storage import locks, runs
from storage.db import connect, error_reason
from storage.models import CrawlRun

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
    status: str
    message: str = ""
    counters: dict[str, int] = field(default_factory=dict)


def crawl_command(source: Source, db_url: str, sources_path: str, run_id: int, log_level: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler",
        "crawl",
        "news",
        "-a",
        f"source={source.name}",
        "-s",
        f"NEWSDESK_DB={db_url}",
        "-s",
        f"NEWSDESK_SOURCES={Path(sources_path).resolve()}",
        "-s",
        f"NEWSDESK_RUN_ID={run_id}",
        "-s",
        f"NEWSDESK_MAX_PAGES={source.max_pages}",
        "-s",
        f"ROBOTSTXT_OBEY={source.obey_robots}",
        "-s",
        f"DOWNLOAD_TIMEOUT={source.download_timeout}",
        "-s",
        f"LOG_LEVEL={log_level}",
    ]


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


def _tail(path: Path, limit: int = 600) -> str:
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines() if x.strip()]
    except OSError:
        return ""
    # Scrapy's lines read "<time> [<logger>] ERROR: <message>"; the message is what a person needs.
    errors = [x.split("] ", 1)[-1] for x in lines if "] ERROR: " in x or "] CRITICAL: " in x]
    text = " | ".join(errors[-2:] or lines[-3:])
    return text[-limit:]


def run_crawl(
    source: Source,
    db_url: str,
    sources_path: str,
    trigger: str = "manual",
    verbose: bool = False,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    stop: threading.Event | None = None,
    stop_grace: float = 30.0,
    engine: Engine | None = None,
) -> RunResult:
    """Crawl `source` now in a child process; returns when the run is recorded with its final status.

    Raises SourceBusy when another process holds the source's lease, storage.db.DatabaseError when the
    database cannot be used.
    """
    own_engine = engine is None
    engine = engine or connect(db_url)
    owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    lease = f"crawl:{source.name}"
    try:
        with Session(engine) as session, session.begin():
            if not locks.acquire(session, lease, owner, HOST, os.getpid(), LEASE_STALE_AFTER):
                held = locks.holder(session, lease)
                who = f"pid {held.pid} on {held.host}" if held else "another process"
                raise SourceBusy(f"source '{source.name}' is being crawled now by {who}")
            run_id = runs.start_run(session, source.name, trigger, HOST, os.getpid())
        try:
            result = _run_child(
                source,
                db_url,
                sources_path,
                run_id,
                verbose,
                on_progress,
                stop,
                stop_grace,
                engine,
                lease,
                owner,
            )
        except BaseException:
            with Session(engine) as session, session.begin():
                runs.finish_run(session, run_id, "interrupted", "the newsdesk process was stopped")
            raise
        finally:
            with Session(engine) as session, session.begin():
                locks.release(session, lease, owner)
        return result
    finally:
        if own_engine:
            engine.dispose()


def _run_child(
    source: Source,
    db_url: str,
    sources_path: str,
    run_id: int,
    verbose: bool,
    on_progress: Callable[[dict[str, int]], None] | None,
    stop: threading.Event | None,
    stop_grace: float,
    engine: Engine,
    lease: str,
    owner: str,
) -> RunResult:
    log_level = "DEBUG" if verbose else "INFO"
    env = {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
        "NEWSDESK_PARENT_PID": str(os.getpid()),
    }
    with tempfile.NamedTemporaryFile(prefix=f"newsdesk-{source.name}-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    logger.info("run %d: crawling %s", run_id, source.name)
    started = time.monotonic()
    last_beat = last_progress = started
    last_counters: dict[str, int] = {}
    status = ""
    message = ""
    stopping_since: float | None = None
    with open(log_path, "wb") as log_file, open(log_path, "rb") as reader:
        child = subprocess.Popen(
            crawl_command(source, db_url, sources_path, run_id, log_level),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            while True:
                try:
                    child.wait(timeout=POLL_EVERY)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if verbose:
                    chunk = reader.read()
                    if chunk:
                        sys.stderr.write(chunk.decode(errors="replace"))
                now = time.monotonic()
                if now - started > source.timeout:
                    logger.warning(
                        "run %d: %s exceeded its %ds timeout, stopping it",
                        run_id,
                        source.name,
                        source.timeout,
                    )
                    _stop(child, KILL_GRACE)
                    status, message = "timeout", f"killed after the {source.timeout}s timeout"
                    break
                if stop is not None and stop.is_set():
                    # Shutdown: the crawl may finish on its own within the grace, else it is stopped.
                    if stopping_since is None:
                        stopping_since = now
                        logger.info("run %d: %s gets %.0fs to finish", run_id, source.name, stop_grace)
                    elif now - stopping_since >= stop_grace:
                        logger.info("run %d: stopping %s (shutdown)", run_id, source.name)
                        _stop(child, KILL_GRACE)
                        status, message = "interrupted", "stopped by shutdown"
                        break
                try:
                    if now - last_beat >= HEARTBEAT_EVERY:
                        last_beat = now
                        with Session(engine) as session, session.begin():
                            locks.heartbeat(session, lease, owner)
                    if on_progress is not None and now - last_progress >= PROGRESS_EVERY:
                        last_progress = now
                        counters = _counters(engine, run_id)
                        if counters != last_counters:
                            last_counters = counters
                            on_progress(counters)
                except SQLAlchemyError as e:
                    # The database went away: the crawl goes on (its articles wait in the spool).
                    logger.warning(
                        "run %d: database unavailable, crawl continues: %s", run_id, error_reason(e)
                    )
        except BaseException:
            _stop(child, KILL_GRACE)
            raise
        if verbose:
            rest = reader.read()
            if rest:
                sys.stderr.write(rest.decode(errors="replace"))
    code = child.returncode
    try:
        return _finish(engine, run_id, source, status, message, code, log_path, started)
    except SQLAlchemyError as e:
        # Left `running`: the next crawl or daemon on this host marks it interrupted.
        logger.error("run %d of %s could not be recorded: %s", run_id, source.name, error_reason(e))
        return RunResult(run_id, source.name, "failed", f"database unavailable: {error_reason(e)}", {})


def _finish(
    engine: Engine,
    run_id: int,
    source: Source,
    status: str,
    message: str,
    code: int,
    log_path: Path,
    started: float,
) -> RunResult:
    """Record how the run ended, keep the log of one that did not end ok, and say so."""
    with Session(engine) as session, session.begin():
        run = runs.get_run(session, run_id)
        reason = run.message if run is not None else ""
        if not status:
            if code == 0 and reason == "finished":
                status, message = "ok", "finished"
            elif code == 0 and reason.startswith(runs.SPOOLED):
                status, message = "failed", reason
            elif code == 0 and reason:
                status, message = ("interrupted" if reason == "shutdown" else "ok"), reason
            else:
                status = "failed"
                tail = _tail(log_path)
                message = f"crawl process exited with code {code}" + (f": {tail}" if tail else "")
            if status == "ok" and run is not None and run.errors and not _reached_articles(run):
                status = "failed"
                message = f"no article could be fetched ({run.errors} errors): {_tail(log_path)}"
        runs.finish_run(session, run_id, status, message)
    counters = _counters(engine, run_id)
    if status == "ok":
        log_path.unlink(missing_ok=True)
    else:
        # One log kept per source, the last run that did not end ok: bounded however long the daemon runs.
        kept = Path(tempfile.gettempdir()) / f"newsdesk-{source.name}-last-{status}.log"
        try:
            log_path.replace(kept)
        except OSError as e:  # the temporary folder was cleaned meanwhile: the message has the tail
            logger.debug("could not keep the crawl log %s: %s", log_path, e)
        logger.warning("run %d of %s ended %s: %s (log: %s)", run_id, source.name, status, message, kept)
    logger.info(
        "run %d: %s %s in %.1fs: %s",
        run_id,
        source.name,
        status,
        time.monotonic() - started,
        ", ".join(f"{k} {v}" for k, v in counters.items()),
    )
    return RunResult(run_id, source.name, status, message, counters)


def _reached_articles(run: CrawlRun) -> bool:
    return bool(run.stored or run.updated or run.duplicates or run.skipped)


def _counters(engine: Engine, run_id: int) -> dict[str, int]:
    with Session(engine) as session:
        run = runs.get_run(session, run_id)
        return {k: getattr(run, k) for k in runs.COUNTERS} if run is not None else {}
