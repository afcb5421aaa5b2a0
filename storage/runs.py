"""Crawl run records: started by the runner, counters filled by the crawl, closed with a status."""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import utcnow
from storage.models import CrawlRun

STATUSES = ("running", "ok", "failed", "timeout", "interrupted")
COUNTERS = ("pages", "stored", "updated", "duplicates", "skipped", "errors")
SPOOLED = "spooled:"  # a run message that starts so: articles wait in the spool for the database


def start_run(session: Session, source: str, trigger: str, host: str, pid: int) -> int:
    run = CrawlRun(
        source=source,
        trigger=trigger,
        status="running",
        started_at=utcnow(),
        host=host,
        pid=pid,
        message="",
        **dict.fromkeys(COUNTERS, 0),
    )
    session.add(run)
    session.flush()
    return run.id


def set_counters(session: Session, run_id: int, counters: dict[str, int], message: str | None = None) -> None:
    values: dict[str, object] = {k: int(v) for k, v in counters.items() if k in COUNTERS}
    if message is not None:
        values["message"] = message
    if values:
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def finish_run(session: Session, run_id: int, status: str, message: str = "") -> None:
    if status not in STATUSES[1:]:
        raise ValueError(f"not a final run status: {status}")
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(status=status, finished_at=utcnow(), message=message)
    )


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def interrupt_dead_runs(session: Session, host: str, alive: Callable[[int], bool] = process_alive) -> int:
    """Runs left `running` on this host by a process that no longer exists become `interrupted`."""
    rows = session.execute(
        select(CrawlRun.id, CrawlRun.pid).where(CrawlRun.status == "running", CrawlRun.host == host)
    ).all()
    dead = [run_id for run_id, pid in rows if pid is None or not alive(pid)]
    if dead:
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id.in_(dead))
            .values(status="interrupted", finished_at=utcnow(), message="the process running it went away")
        )
    return len(dead)


def last_started(session: Session, source: str) -> CrawlRun | None:
    return session.scalars(
        select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.started_at.desc()).limit(1)
    ).first()
