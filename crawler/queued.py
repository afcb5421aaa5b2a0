"""A run handed to the workers (`newsdesk worker`, crawler.worker) through Redis, followed by the process
that owns it (the daemon, `newsdesk crawl --enqueue`) as it follows a child crawl: the same lease, timeout,
shutdown grace, statuses and run record. The workers report their stats to Redis; this process adds them
up into the run's counters, with the pages each worker fetched (`workers`), and decides when the run is
over: its start requests queued and no request left in the queue or in a worker's hands. Requests held by a
worker that stopped beating are put back in the queue for the others."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.child import PROGRESS_EVERY, ChildCrawl
from crawler.extensions import run_blocked, run_counters, run_message, run_quality
from crawler.frontier import Frontier, Progress, merge_stats, redacted
from crawler.outcome import RunResult
from storage import runs
from storage.db import error_reason
from storage.models import RunStatus

logger = logging.getLogger(__name__)

FOLLOW_EVERY = 1.0  # seconds between looks at the run's progress in Redis
LEAVE_GRACE = 10.0  # seconds the workers get to leave a stopped run and report their last figures


class QueuedCrawl(ChildCrawl):
    def run(self) -> RunResult:
        job = self.job
        assert job.redis_url is not None
        frontier = Frontier(job.redis_url, job.redis_prefix)
        try:
            sources_text = Path(job.sources_path).read_text(encoding="utf-8")
            workers = frontier.announce(self.run_id, job.source.name, sources_text, job.settings(self.run_id))
        except (redis.RedisError, OSError) as e:
            reason = f"cannot hand the run to the workers: Redis at {redacted(job.redis_url)}: {e}"
            return self.record((RunStatus.FAILED, reason), 0, None)
        if workers:
            logger.info("run %d: %s handed to %d workers", self.run_id, job.source.name, len(workers))
        else:
            logger.warning(
                "run %d: no worker is running for %s (`newsdesk worker`): the run waits for one, at most "
                "its %ds timeout",
                self.run_id,
                job.source.name,
                job.source.timeout,
            )
        ended: tuple[RunStatus, str] | None = (RunStatus.INTERRUPTED, "the newsdesk process was stopped")
        try:
            ended = self.follow(frontier)
        finally:
            self.leave(frontier, finished=ended is None)
        result = self.record(ended, 0, None)
        if result.status is not RunStatus.OK:
            logger.warning(
                "run %d of %s ended %s: %s", self.run_id, result.source, result.status, result.message
            )
        return result

    def follow(self, frontier: Frontier) -> tuple[RunStatus, str] | None:
        """Until the run is done (None) or must stop (its status and message)."""
        last_saved = 0.0
        while True:
            time.sleep(FOLLOW_EVERY)
            now = time.monotonic()
            ended = self.deadline(now)
            if ended is not None:
                return ended
            try:
                for worker, count in frontier.give_back_dead(self.run_id).items():
                    logger.warning(
                        "run %d: worker %s stopped beating: its %d requests go back to the queue",
                        self.run_id,
                        worker,
                        count,
                    )
                progress = frontier.progress(self.run_id)
            except redis.RedisError as e:
                logger.warning("run %d: Redis unavailable, waiting for it: %s", self.run_id, e)
                continue
            if progress.done:
                return None
            if progress.failure and not progress.seeded:
                return RunStatus.FAILED, f"the workers could not crawl it: {progress.failure}"
            if now - last_saved >= PROGRESS_EVERY:
                last_saved = now
                self.save(progress)
            self.report(now)

    def leave(self, frontier: Frontier, finished: bool) -> None:
        """The workers leave the run; their last figures are saved (`finished`: with the run's outcome);
        the run's keys go."""
        try:
            frontier.stop(self.run_id)
            until = time.monotonic() + LEAVE_GRACE
            progress = frontier.progress(self.run_id)
            while time.monotonic() < until and not all_left(progress):
                time.sleep(FOLLOW_EVERY)
                progress = frontier.progress(self.run_id)
            self.save(progress, final=finished)
            frontier.close(self.run_id)
        except redis.RedisError as e:  # the keys expire by themselves
            logger.warning("run %d: could not clear its keys in Redis: %s", self.run_id, e)

    def save(self, progress: Progress, final: bool = False) -> None:
        """The workers' stats added up into the run record; `final`: the run finished (every request
        done), with its close reason, spooled articles and message."""
        merged = merge_stats(progress.stats.values())
        workers = {w: int(stats.get("response_received_count", 0)) for w, stats in progress.stats.items()}
        try:
            with Session(self.engine) as session, session.begin():
                runs.set_counters(
                    session,
                    self.run_id,
                    run_counters(merged),
                    run_quality(merged),
                    run_blocked(merged),
                    workers,
                )
                if final:
                    runs.set_outcome(
                        session,
                        self.run_id,
                        "finished",
                        merged.get("newsdesk/spooled", 0),
                        run_message(merged),
                    )
        except SQLAlchemyError as e:
            logger.warning("run %d: could not save its figures: %s", self.run_id, error_reason(e))


def all_left(progress: Progress) -> bool:
    """Every worker that took part has reported leaving the run."""
    stats: dict[str, dict[str, Any]] = progress.stats
    return all("newsdesk/left_because" in s for s in stats.values())
