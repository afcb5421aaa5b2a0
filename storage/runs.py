"""Crawl run records: started by the runner, counters filled by the crawl, closed with a status."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.db import utcnow
from storage.models import Article, CrawlRun, RunStatus, Source, Trigger
from storage.queries import day_counts
from storage.records import ISO, iso

COUNTERS = ("pages", "stored", "updated", "duplicates", "skipped", "errors")


def start_run(
    session: Session, source: str, trigger: Trigger, host: str, pid: int, late_by: float | None = None
) -> int:
    run = CrawlRun(
        late_by=late_by,
        source=source,
        trigger=trigger,
        status=RunStatus.RUNNING,
        started_at=utcnow(),
        host=host,
        pid=pid,
        message="",
        **dict.fromkeys(COUNTERS, 0),
    )
    session.add(run)
    session.flush()
    return run.id


def set_counters(
    session: Session,
    run_id: int,
    counters: dict[str, int],
    quality: dict[str, Any] | None = None,
    blocked: str = "",
    workers: dict[str, int] | None = None,
) -> None:
    """The crawl's figures so far (see COUNTERS), the quality of its extraction when known, why it was
    blocked when most of its requests were refused, and for a run crawled by workers the pages each
    fetched."""
    values: dict[str, Any] = {k: int(v) for k, v in counters.items() if k in COUNTERS}
    if quality is not None:
        values["quality"] = quality
    if workers is not None:
        values["workers"] = workers
    values["blocked"] = blocked or None
    if values:
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def set_outcome(session: Session, run_id: int, close_reason: str, spooled: int, message: str) -> None:
    """How the crawl process ended (Scrapy's close reason), how many articles it left in the spool, and
    what a person should know of it; the runner then decides the run's status from these."""
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(close_reason=close_reason, spooled=spooled, message=message)
    )


def finish_run(session: Session, run_id: int, status: RunStatus, message: str = "") -> None:
    if RunStatus(status) is RunStatus.RUNNING:  # also rejects what is no status at all
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
        select(CrawlRun.id, CrawlRun.pid).where(CrawlRun.status == RunStatus.RUNNING, CrawlRun.host == host)
    ).all()
    dead = [run_id for run_id, pid in rows if pid is None or not alive(pid)]
    if dead:
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id.in_(dead))
            .values(
                status=RunStatus.INTERRUPTED, finished_at=utcnow(), message="the process running it went away"
            )
        )
    return len(dead)


def last_started(session: Session, source: str) -> CrawlRun | None:
    return session.scalars(
        select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.started_at.desc()).limit(1)
    ).first()


# -- read side: run records for the CLI and the web ----------------------------------------------


def run_record(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "pages": run.pages,
        "stored": run.stored,
        "updated": run.updated,
        "duplicates": run.duplicates,
        "skipped": run.skipped,
        "errors": run.errors,
        "message": run.message,
        "quality": run.quality,
        "blocked": run.blocked,
        "late_by": round(run.late_by, 1) if run.late_by is not None else None,
        "workers": run.workers,
    }


def list_runs(session: Session, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    stmt = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    if source:
        stmt = stmt.where(CrawlRun.source == source)
    return [run_record(r) for r in session.scalars(stmt)]


def last_runs(session: Session) -> dict[str, dict[str, Any]]:
    """Each source's latest run."""
    latest = select(CrawlRun.source, func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source).subquery()
    rows = session.scalars(select(CrawlRun).join(latest, CrawlRun.id == latest.c.id))
    return {r.source: run_record(r) for r in rows}


FAILING_AFTER = 3  # consecutive failed runs that flag a source
IDLE_AFTER = 10  # consecutive finished runs that stored nothing new
USUAL_RUNS = 10  # earlier runs whose extraction quality is the source's usual
MIN_QUALITY_PAGES = 5  # a run that extracted fewer pages says too little about quality
DRIFT = 0.3  # a share (of pages without body, title or date) this much above usual, and twice it, is drift


def source_health(session: Session, source: str) -> str:
    """'ok', or why the source needs a look: its last runs all failed, its last run was refused everything
    by robots.txt, or none of its last runs stored anything."""
    recent = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.source == source, CrawlRun.status != RunStatus.RUNNING)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(max(FAILING_AFTER, IDLE_AFTER))
    ).all()
    if recent and recent[0].blocked:
        return f"blocked: {recent[0].blocked} in the last run (the site refuses the crawler)"
    failed = recent[:FAILING_AFTER]
    if len(failed) == FAILING_AFTER and all(
        r.status in (RunStatus.FAILED, RunStatus.TIMEOUT) for r in failed
    ):
        return f"failing: last {FAILING_AFTER} runs {failed[0].status} ({failed[0].message[:120]})"
    last = recent[0] if recent else None
    if last is not None and not reached_articles(last) and "robots.txt forbade" in (last.message or ""):
        return "degraded: robots.txt forbade every request of the last run (obey_robots = false overrides it)"
    drift = run_drift(session, last) if last is not None else ""
    if drift:
        return f"degraded: {drift}"
    idle = recent[:IDLE_AFTER]
    if len(idle) == IDLE_AFTER and all(r.stored == 0 and r.updated == 0 for r in idle):
        return f"idle: last {IDLE_AFTER} runs stored nothing new"
    return "ok"


def run_drift(session: Session, run: CrawlRun) -> str:
    """How the run's extraction departs from its source's usual (the USUAL_RUNS finished runs before it
    that measured enough pages); '' when it does not, or when there is nothing to compare."""
    if not measured_enough(run.quality):
        return ""
    earlier = session.scalars(
        select(CrawlRun.quality)
        .where(CrawlRun.source == run.source, CrawlRun.id < run.id, CrawlRun.status != RunStatus.RUNNING)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(USUAL_RUNS)
    ).all()
    usual = [q for q in earlier if measured_enough(q)]
    return quality_drift(run.quality, usual) if run.quality and usual else ""


def measured_enough(quality: dict[str, Any] | None) -> bool:
    return bool(quality) and int((quality or {}).get("pages", 0)) >= MIN_QUALITY_PAGES


def quality_drift(last: dict[str, Any], usual: list[dict[str, Any]]) -> str:
    """How the last run's extraction departs from the source's usual (the median of its earlier runs):
    pages without a body, title or date far more often, or a median body under half the usual; '' when
    it does not."""
    reasons = []
    for key, what in (("empty_body", "empty bodies"), ("no_title", "no title"), ("no_date", "no date")):
        now, before = last.get(key, 0.0), statistics.median(q.get(key, 0.0) for q in usual)
        if now >= before + DRIFT and now >= 2 * before:
            reasons.append(f"{what} on {now:.0%} of {last['pages']} pages (usually {before:.0%})")
    bodies = [q["median_body"] for q in usual if q.get("median_body")]
    if bodies and last.get("median_body") is not None and last["median_body"] * 2 < statistics.median(bodies):
        reasons.append(
            f"median body {last['median_body']} characters (usually {statistics.median(bodies):.0f})"
        )
    return "; ".join(reasons)


def health_kind(health: str) -> str:
    """The state a source_health answer names: ok, failing, idle, degraded or blocked."""
    return health.split(":")[0]


def reached_articles(run: CrawlRun) -> bool:
    """Whether the run got to any article: stored, updated, found a duplicate or skipped a known one."""
    return bool(run.stored or run.updated or run.duplicates or run.skipped)


def run_that_fetched(session: Session, source: str, fetched_at: str | None) -> dict[str, Any] | None:
    """The run of `source` that was going on when an article was fetched (the last one started before)."""
    if not fetched_at:
        return None
    when = datetime.strptime(fetched_at, ISO) + timedelta(seconds=1)  # the record's time is to the second
    run = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.source == source, CrawlRun.started_at <= when)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    ).first()
    return run_record(run) if run is not None else None


def stored_per_day(session: Session, source: str, days: int = 30) -> list[tuple[str, int]]:
    """How many articles `source` stored (first saw) on each of the last `days` days."""
    last = utcnow().date()
    since = datetime.combine(last - timedelta(days=days - 1), datetime.min.time())
    day = func.date(Article.first_seen_at)
    counted = session.execute(
        select(day, func.count())
        .join(Source)
        .where(Source.name == source, Article.first_seen_at >= since)
        .group_by(day)
    )
    return day_counts({str(d): n for d, n in counted}, last, days)


def sources_overview(session: Session) -> list[dict[str, Any]]:
    """Every source that has run or stored something: its article count, last run and health."""
    counts = dict(
        session.execute(select(Source.name, func.count(Article.id)).join(Article).group_by(Source.name)).all()
    )
    last = last_runs(session)
    return [
        {
            "source": name,
            "articles": counts.get(name, 0),
            "last_run": last.get(name),
            "health": source_health(session, name),
        }
        for name in sorted(set(counts) | set(last))
    ]
