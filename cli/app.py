"""The `newsdesk` command group: global options, the context every command gets, logging."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from crawler.sources import Source

DEFAULT_DB = "sqlite:///newsdesk.db"
DEFAULT_SOURCES = "sources.toml"


@dataclass
class Context:
    """What every command gets. The database and the sources are loaded when a command asks for them:
    `newsdesk split` and `newsdesk extract` start without SQLAlchemy and the sources' checks."""

    db_url: str
    sources_path: str
    verbose: bool

    def engine(self) -> Engine:
        from storage.db import DatabaseError, connect

        try:
            return connect(self.db_url)
        except DatabaseError as e:
            raise click.ClickException(f"{e} (set --db or NEWSDESK_DB)") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session on the database, closed (with its engine) afterwards."""
        from sqlalchemy.orm import Session

        engine = self.engine()
        try:
            with Session(engine) as session:
                yield session
        finally:
            engine.dispose()

    def sources(self) -> list[Source]:
        from crawler.sources import SourcesError, load_sources

        try:
            return load_sources(self.sources_path)
        except SourcesError as e:
            raise click.ClickException("\n".join(e.problems)) from None


def _version() -> str:
    try:
        return version("newsdesk")
    except PackageNotFoundError:
        return "unknown"


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(verbose: bool, level: int, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime  # type: ignore[assignment]  # UTC timestamps, like everything else
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.DEBUG if verbose else level, handlers=[handler])
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)  # SQL echo is never what a user wants


# Each command's module is imported only when that command runs: `newsdesk split` does not load Scrapy,
# Flask or the scheduler (click's documented LazyGroup pattern).
COMMANDS = {
    "daemon": "cli.crawling:daemon",
    "crawl": "cli.crawling:crawl",
    "demo": "cli.crawling:demo",
    "query": "cli.archive:query",
    "export": "cli.archive:export",
    "show": "cli.archive:show",
    "runs": "cli.archive:runs",
    "sources": "cli.archive:sources",
    "extract": "cli.pages:extract_command",
    "split": "cli.pages:split",
    "serve": "cli.serving:serve",
    "alerts": "cli.crawling:alerts",
    "reextract": "cli.reextract:reextract",
    "import-warc": "cli.importing:import_warc",
    "try": "cli.trying:try_source",
    "fetch": "cli.trying:fetch",
    "worker": "cli.working:worker",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute = COMMANDS[name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--db",
    envvar="NEWSDESK_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="Database URL (env NEWSDESK_DB): sqlite:///file.db or postgresql+psycopg://user@host/db.",
)
@click.option(
    "--sources",
    "sources_path",
    envvar="NEWSDESK_SOURCES",
    default=DEFAULT_SOURCES,
    show_default=True,
    help="Sources file (env NEWSDESK_SOURCES).",
)
@click.option(
    "--capture",
    envvar="NEWSDESK_CAPTURE",
    help="Folder of the WARC files of fetched pages (env NEWSDESK_CAPTURE) [default: beside a SQLite "
    "database: news.db -> news-capture/].",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging, and the crawls' own logs.")
@click.version_option(_version(), "--version", prog_name="newsdesk")
@click.pass_context
def main(ctx: click.Context, db: str, sources_path: str, capture: str | None, verbose: bool) -> None:
    """newsdesk: scheduled news scraping into a searchable archive.

    \b
    Examples:
      newsdesk crawl --all                 crawl every source in sources.toml now
      newsdesk query --search election     search the stored articles
      newsdesk daemon                      run every source on its schedule
    """
    if capture:  # the crawl processes read it from their environment
        os.environ["NEWSDESK_CAPTURE"] = str(Path(capture).expanduser().resolve())
    ctx.obj = Context(db, sources_path, verbose)
