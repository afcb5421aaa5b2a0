"""Commands that crawl: `daemon`, `crawl` and `demo` (which crawl through the same run-and-report path)."""

from __future__ import annotations

import logging
import signal
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.app import Context, setup_logging
from cli.output import ARTICLE_TABLE, RUN_TABLE, emit, format_option, log_format_option, redis_option
from crawler.spare import SpareCrawl, crawl_environment

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from crawler.sources import Source

# The crawl machinery (SQLAlchemy, the sources' checks, the runner) is imported inside each command, after
# `crawl` has started its crawl process (crawler.spare): loading it here would delay that by ~0.7 s.


@click.command()
@log_format_option
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds running crawls get to finish after SIGTERM/SIGINT before they are stopped.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    help="Serve /metrics (Prometheus text format) on this port; 0 picks a free one (logged).",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address /metrics listens on.")
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    help="Runs at once (default: two per CPU core, at least 2; 256 with --redis); a run due while all are "
    "busy starts late.",
)
@redis_option("Hand each due run to the workers (`newsdesk worker`) through this Redis (env NEWSDESK_REDIS).")
@click.pass_obj
def daemon(
    obj: Context,
    log_format: str,
    grace: float,
    metrics_port: int | None,
    metrics_host: str,
    parallel: int | None,
    redis_url: str | None,
) -> None:
    """Run every source on its schedule until SIGINT/SIGTERM; SIGHUP (or saving the sources file)
    reloads the sources.

    Example: newsdesk --sources sources.toml daemon --log-format json
    """
    from scheduler import Daemon, DaemonRunning, MetricsUnavailable
    from storage.db import DatabaseError

    setup_logging(obj.verbose, logging.INFO, log_format)
    refuse_memory_database(obj.db_url)
    obj.sources()  # a bad sources file is an Error: before anything starts
    try:
        metrics = (metrics_host, metrics_port) if metrics_port is not None else None
        code = Daemon(
            obj.db_url,
            obj.sources_path,
            verbose=obj.verbose,
            stop_grace=grace,
            metrics=metrics,
            parallel=parallel,
            redis_url=redis_url,
        ).run()
    except (DaemonRunning, DatabaseError, MetricsUnavailable) as e:
        raise click.ClickException(str(e)) from None
    sys.exit(code)


def refuse_memory_database(db_url: str) -> None:
    """Crawls run in child processes: an in-memory SQLite database would be the child's own, gone with it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        return  # the engine reports a malformed URL
    if url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    ):
        raise click.UsageError(
            f"--db {db_url} is an in-memory database: crawls run in child processes, which would each "
            "have their own and lose it; use a file (sqlite:///newsdesk.db)"
        )


def _progress(name: str) -> Any:
    def show(counters: dict[str, int]) -> None:
        click.echo(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counters.items()), err=True)

    return show


def crawl_now(
    obj: Context,
    engine: Engine,
    sources: list[Source],
    sources_path: str,
    redis_url: str | None = None,
    spare: SpareCrawl | None = None,
) -> list[dict[str, Any]]:
    """Crawl each source in turn in the foreground, with progress on stderr; their run records. `spare`, a
    crawl process started ahead (crawler.spare), crawls the first."""
    from sqlalchemy.orm import Session

    from crawler.runner import CrawlJob, SourceBusy, prepare, run_crawl
    from crawler.sources import load_alerts
    from storage.runs import get_run, run_record

    # SIGTERM stops a crawl as Ctrl-C does: the child gets its graceful stop, the run is recorded
    # `interrupted` (not left `running` until the next start).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    prepare(engine)
    alert_urls = load_alerts(sources_path) if Path(sources_path).exists() else []
    run_ids = []
    for source in sources:
        click.echo(f"crawling {source.name} ...", err=True)
        job = CrawlJob(
            source,
            obj.db_url,
            sources_path,
            verbose=obj.verbose,
            on_progress=_progress(source.name),
            redis_url=redis_url,
        )
        try:
            run_ids.append(run_crawl(job, engine, spare).run_id)
        except SourceBusy as e:
            raise click.ClickException(f"{e}; try again when it has finished") from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        spare = None
        from crawler.alerts import report_health  # after the crawl: it loads numpy (0.15 s)

        alerted = report_health(engine, source.name, alert_urls)
        if alerted:
            click.echo(f"  alert sent: {alerted}", err=True)
    with Session(engine) as session:
        return [run_record(r) for r in (get_run(session, i) for i in run_ids) if r is not None]


def all_ok(records: list[dict[str, Any]]) -> bool:
    from storage.models import RunStatus

    return all(r["status"] == RunStatus.OK for r in records)


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every configured source.")
@click.option(
    "--enqueue",
    is_flag=True,
    help="Hand the runs to the workers (`newsdesk worker`) and follow them to the end.",
)
@redis_option("Redis of the workers, for --enqueue (env NEWSDESK_REDIS).")
@format_option
@click.pass_obj
def crawl(
    obj: Context,
    names: tuple[str, ...],
    all_sources: bool,
    enqueue: bool,
    redis_url: str | None,
    fmt: str | None,
) -> None:
    """Crawl sources now, in the foreground (or, with --enqueue, through the workers); exits 0 when every
    run ended ok.

    Example: newsdesk crawl bbc guardian
    """
    setup_logging(obj.verbose, logging.WARNING)
    if enqueue and not redis_url:
        raise click.UsageError("--enqueue hands the runs to the workers through Redis: give --redis URL")
    if all_sources == bool(names):
        raise click.UsageError("name one or more sources, or pass --all")
    spare = None if enqueue else SpareCrawl(crawl_environment(obj.db_url))
    try:
        records = crawl_sources(obj, names, redis_url if enqueue else None, spare)
    finally:
        if spare is not None:
            spare.discard()
    emit(records, fmt, RUN_TABLE)
    sys.exit(0 if all_ok(records) else 1)


def crawl_sources(
    obj: Context, names: tuple[str, ...], redis_url: str | None, spare: SpareCrawl | None
) -> list[dict[str, Any]]:
    """`crawl`'s work once its crawl process is starting: the sources named (all without names) crawled."""
    from crawler.sources import SourcesError, find_source

    refuse_memory_database(obj.db_url)
    sources = obj.sources()
    try:
        chosen = [find_source(sources, n) for n in names] if names else sources
    except SourcesError as e:
        raise click.ClickException("\n".join(e.problems)) from None
    engine = obj.engine()
    try:
        return crawl_now(obj, engine, chosen, obj.sources_path, redis_url, spare)
    finally:
        engine.dispose()


@click.command()
@format_option
@click.pass_obj
def demo(obj: Context, fmt: str | None) -> None:
    """Offline end-to-end demo: serve a bundled news site on 127.0.0.1, crawl it, show what was stored.

    Example: newsdesk --db sqlite:///demo.db demo
    """
    from sqlalchemy.orm import Session

    from crawler.sources import parse_sources
    from demo.server import SiteServer
    from demo.site import build_site, demo_sources
    from storage.queries import ArticleFilter, count_articles, list_articles

    setup_logging(obj.verbose, logging.WARNING)
    spare = SpareCrawl(crawl_environment(obj.db_url))
    engine = obj.engine()
    try:
        with SiteServer(build_site()) as server, tempfile.TemporaryDirectory() as tmp:
            text = demo_sources(server.base_url)
            sources_file = Path(tmp) / "sources.toml"
            sources_file.write_text(text)
            source = parse_sources(tomllib.loads(text))[0]
            click.echo(f"serving the demo site at {server.base_url}; crawling it into {obj.db_url}", err=True)
            (run,) = crawl_now(obj, engine, [source], str(sources_file), spare=spare)
        with Session(engine) as session:
            f = ArticleFilter(source=source.name, limit=100)
            total = count_articles(session, f)
            records = list_articles(session, f)
    finally:
        spare.discard()
        engine.dispose()
    click.echo(
        f"run {run['id']} {run['status']}: {run['pages']} pages, {run['stored']} stored, "
        f"{run['updated']} updated, {run['duplicates']} duplicates (the same article under another URL), "
        f"{run['errors']} errors",
        err=True,
    )
    click.echo(f"{total} articles of {source.name} in {obj.db_url}, newest first:", err=True)
    emit(records, fmt, ARTICLE_TABLE)
    if records:
        first = records[0]
        click.echo(
            f"\n'{first['title']}': {len(first['body'])} characters of article text, "
            f"{len(first['headlines'])} headlines split off:",
            err=True,
        )
        for h in first["headlines"]:
            click.echo(f"  - {h}", err=True)
        click.echo(f"\nsee one in full: newsdesk --db {obj.db_url} show {first['id']}", err=True)
    sys.exit(0 if all_ok([run]) else 1)


@click.command()
@click.option("--test", "test", is_flag=True, help="Send a test message to every alert URL.")
@click.pass_obj
def alerts(obj: Context, test: bool) -> None:
    """Alerts on source health ([alerts] urls in the sources file: Apprise URLs).

    Example: newsdesk alerts --test
    """
    from crawler.alerts import send
    from crawler.sources import SourcesError, load_alerts

    try:
        urls = load_alerts(obj.sources_path)
    except SourcesError as e:
        raise click.ClickException("\n".join(e.problems)) from None
    if not urls:
        raise click.ClickException(f'{obj.sources_path} has no [alerts] urls = ["json://...", ...]')
    if not test:
        click.echo(f"{len(urls)} alert URL(s) in {obj.sources_path}; --test sends them a test message")
        return
    title = "newsdesk: test message"
    body = "newsdesk alerts --test: source health changes (failing, idle, degraded, ok again) come here."
    if not send(urls, title, body):
        raise click.ClickException(
            f"the test message did not reach all {len(urls)} alert URL(s) (see the log)"
        )
    click.echo(f"test message delivered to {len(urls)} alert URL(s)")
