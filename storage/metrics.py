"""The archive in Prometheus' text format (prometheus_client), read from the database at each scrape:
runs by source and status, the run counters' totals, the last run's duration and start, each source's
health and articles stored. `newsdesk serve` answers it at /metrics; the daemon also with --metrics-port,
adding how late each source's last scheduled run started."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import CrawlRun, RunStatus
from storage.runs import COUNTERS, health_kind, sources_overview

HEALTH_KINDS = ("ok", "failing", "idle", "degraded", "blocked")


class ArchiveCollector(Collector):
    def __init__(self, engine: Engine, extra: Callable[[], Iterable[Metric]] | None = None):
        self.engine = engine
        self.extra = extra

    def collect(self) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            "newsdesk_runs", "Crawl runs, by source and status", labels=["source", "status"]
        )
        totals = {
            name: CounterMetricFamily(
                f"newsdesk_{name}", f"Sum of the runs' {name} counter", labels=["source"]
            )
            for name in COUNTERS
        }
        duration = GaugeMetricFamily(
            "newsdesk_last_run_duration_seconds", "How long the last finished run took", labels=["source"]
        )
        started = GaugeMetricFamily(
            "newsdesk_last_run_start_time_seconds", "When the last run started (Unix time)", labels=["source"]
        )
        health = GaugeMetricFamily(
            "newsdesk_source_health",
            "1 for the source's health, 0 for the others",
            labels=["source", "health"],
        )
        articles = GaugeMetricFamily("newsdesk_articles", "Articles stored", labels=["source"])
        with Session(self.engine) as session:
            for source, status, count in session.execute(
                select(CrawlRun.source, CrawlRun.status, func.count()).group_by(
                    CrawlRun.source, CrawlRun.status
                )
            ):
                runs.add_metric([source, status], count)
            sums = [func.coalesce(func.sum(getattr(CrawlRun, name)), 0) for name in COUNTERS]
            for source, *values in session.execute(select(CrawlRun.source, *sums).group_by(CrawlRun.source)):
                for name, value in zip(COUNTERS, values, strict=True):
                    totals[name].add_metric([source], value)
            last_finished = (
                select(CrawlRun.source, func.max(CrawlRun.id).label("id"))
                .where(CrawlRun.status != RunStatus.RUNNING, CrawlRun.finished_at.is_not(None))
                .group_by(CrawlRun.source)
                .subquery()
            )
            for run in session.scalars(
                select(CrawlRun).join(last_finished, CrawlRun.id == last_finished.c.id)
            ):
                assert run.finished_at is not None
                duration.add_metric([run.source], (run.finished_at - run.started_at).total_seconds())
            for overview in sources_overview(session):
                name = overview["source"]
                articles.add_metric([name], overview["articles"])
                kind = health_kind(overview["health"])
                for each in HEALTH_KINDS:
                    health.add_metric([name, each], 1.0 if each == kind else 0.0)
                if overview["last_run"]:
                    started.add_metric([name], _unix(overview["last_run"]["started_at"]))
        yield from (runs, *totals.values(), duration, started, health, articles)
        if self.extra is not None:
            yield from self.extra()


def _unix(iso_time: str) -> float:
    return datetime.strptime(iso_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def registry(engine: Engine, extra: Callable[[], Iterable[Metric]] | None = None) -> CollectorRegistry:
    """A registry holding only the archive's metrics (not the process metrics of whoever serves them)."""
    chosen = CollectorRegistry(auto_describe=False)
    chosen.register(ArchiveCollector(engine, extra))
    return chosen
