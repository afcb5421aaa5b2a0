"""`newsdesk worker`: a long-lived crawl process for runs handed out through Redis (crawler.worker)."""

from __future__ import annotations

import logging
import sys

import click
from sqlalchemy.engine import make_url

from cli.app import Context, setup_logging
from cli.output import log_format_option, redis_option
from crawler.frontier import FrontierUnavailable
from crawler.worker import Worker


@click.command()
@redis_option("Redis that hands out the runs (env NEWSDESK_REDIS), e.g. redis://queue.example:6379/0.")
@log_format_option
@click.pass_obj
def worker(obj: Context, redis_url: str | None, log_format: str) -> None:
    """Crawl the runs that a daemon (`daemon --redis`) or `crawl --enqueue` hands out through Redis, any
    source, until SIGTERM/SIGINT (pages in hand are finished, the rest goes back to the queue). Start as
    many as you like, on any machines, with the same --db (PostgreSQL when they are on several machines).

    Example: NEWSDESK_DB=postgresql+psycopg://news@db/news newsdesk worker --redis redis://queue:6379/0
    """
    setup_logging(obj.verbose, logging.INFO, log_format)
    if not redis_url:
        raise click.UsageError("a worker needs Redis: --redis URL or NEWSDESK_REDIS")
    from cli.crawling import refuse_memory_database

    refuse_memory_database(obj.db_url)
    if make_url(obj.db_url).get_backend_name() == "sqlite":
        logging.getLogger(__name__).info(
            "the store is SQLite (%s): every worker must run on this machine; use PostgreSQL for several",
            obj.db_url,
        )
    obj.engine().dispose()  # the database answers and its schema is current before any run is taken
    try:
        code = Worker(redis_url, obj.db_url).run()
    except FrontierUnavailable as e:
        raise click.ClickException(f"{e}; is Redis running, and is the URL right?") from None
    sys.exit(code)
