"""The `newsdesk` command: a thin layer over crawler/, pipelines/, storage/ and scheduler.py."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.sources import Source, SourcesError, find_source, load_sources

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

FORMATS = ("table", "json", "jsonl", "csv")
DEFAULT_DB = "sqlite:///newsdesk.db"
DEFAULT_SOURCES = "sources.toml"
ARTICLE_TABLE = ("id", "published", "source", "title", "headlines", "url")
RUN_TABLE = (
    "id",
    "source",
    "trigger",
    "status",
    "started_at",
    "finished_at",
    "pages",
    "stored",
    "updated",
    "duplicates",
    "skipped",
    "errors",
    "message",
)


@dataclass
class Context:
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


def _setup_logging(verbose: bool, level: int, log_format: str = "text") -> None:
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


# -- output ------------------------------------------------------------------------------------------


def format_option(f: Any) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table on a terminal, jsonl when piped).",
    )(f)


def _cell(value: Any, width: int | None = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return str(len(value)) if width else json.dumps(value, ensure_ascii=False)
    text = str(value).replace("\n", " ")
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _csv_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def emit(records: list[dict[str, Any]], fmt: str | None, columns: tuple[str, ...] | None = None) -> None:
    """Print records in the chosen format; the table shows `columns` (every field for the others)."""
    fmt = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for r in records:
            click.echo(json.dumps(r, ensure_ascii=False))
    elif fmt == "csv":
        fields = list(records[0]) if records else list(columns or ())
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for r in records:
            writer.writerow({k: _csv_value(v) for k, v in r.items()})
        click.echo(out.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_lines=False)
        cols = list(columns or (records[0].keys() if records else ()))
        for c in cols:
            wide = c in ("title", "url", "message", "body")
            table.add_column(c, overflow="fold" if wide else "ellipsis", no_wrap=not wide)
        for r in records:
            table.add_row(*(Text(_cell(r.get(c))) for c in cols))  # as text: no rich markup
        # A table sent to a pipe or file gets a fixed width instead of 80 columns.
        Console(width=None if sys.stdout.isatty() else 200).print(table)
        if not records:
            click.echo("(nothing)", err=True)


# -- the command group -------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("-v", "--verbose", is_flag=True, help="Debug logging, and the crawls' own logs.")
@click.version_option(_version(), "--version", prog_name="newsdesk")
@click.pass_context
def main(ctx: click.Context, db: str, sources_path: str, verbose: bool) -> None:
    """newsdesk: scheduled news scraping into a searchable archive.

    \b
    Examples:
      newsdesk crawl --all                 crawl every source in sources.toml now
      newsdesk query --search election     search the stored articles
      newsdesk daemon                      run every source on its schedule
    """
    ctx.obj = Context(db, sources_path, verbose)


@main.command()
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object a line, for log collectors.",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds running crawls get to finish after SIGTERM/SIGINT before they are stopped.",
)
@click.pass_obj
def daemon(obj: Context, log_format: str, grace: float) -> None:
    """Run every source on its schedule until SIGINT/SIGTERM; SIGHUP (or saving the sources file)
    reloads the sources.

    Example: newsdesk --sources sources.toml daemon --log-format json
    """
    from scheduler import Daemon, DaemonRunning
    from storage.db import DatabaseError

    _setup_logging(obj.verbose, logging.INFO, log_format)
    obj.sources()  # a bad sources file is an Error: before anything starts
    try:
        code = Daemon(obj.db_url, obj.sources_path, verbose=obj.verbose, stop_grace=grace).run()
    except (DaemonRunning, DatabaseError) as e:
        raise click.ClickException(str(e)) from None
    sys.exit(code)


def _progress(name: str) -> Any:
    def show(counters: dict[str, int]) -> None:
        click.echo(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counters.items()), err=True)

    return show


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every configured source.")
@format_option
@click.pass_obj
def crawl(obj: Context, names: tuple[str, ...], all_sources: bool, fmt: str | None) -> None:
    """Crawl sources now, in the foreground; exits 0 when every run ended ok.

    Example: newsdesk crawl bbc guardian
    """
    from sqlalchemy.orm import Session

    from crawler.runner import SourceBusy, prepare, run_crawl

    _setup_logging(obj.verbose, logging.WARNING)
    sources = obj.sources()
    if all_sources == bool(names):
        raise click.UsageError("name one or more sources, or pass --all")
    try:
        chosen = sources if all_sources else [find_source(sources, n) for n in names]
    except SourcesError as e:
        raise click.ClickException("\n".join(e.problems)) from None
    engine = obj.engine()
    prepare(engine)
    results = []
    try:
        for source in chosen:
            click.echo(f"crawling {source.name} ...", err=True)
            try:
                result = run_crawl(
                    source,
                    obj.db_url,
                    obj.sources_path,
                    trigger="manual",
                    verbose=obj.verbose,
                    on_progress=_progress(source.name),
                    engine=engine,
                )
            except SourceBusy as e:
                raise click.ClickException(f"{e}; try again when it has finished") from None
            except KeyboardInterrupt:
                click.echo("interrupted", err=True)
                sys.exit(130)
            results.append(result.run_id)
        from storage.queries import run_record
        from storage.runs import get_run

        with Session(engine) as session:
            records = [run_record(r) for r in (get_run(session, i) for i in results) if r is not None]
    finally:
        engine.dispose()
    emit(records, fmt, RUN_TABLE)
    sys.exit(0 if all(r["status"] == "ok" for r in records) else 1)


ARTICLE_FIELDS = (
    "id",
    "source",
    "url",
    "title",
    "authors",
    "published",
    "language",
    "body",
    "headlines",
    "fetched_at",
    "version",
    "duplicate_of",
    "snippet",
)


def article_filters(f: Any) -> Any:
    """The options `query` and `export` share: which articles, in which order, with which fields."""
    options = [
        click.option("--source", help="Only this source."),
        click.option("--since", help="Published (or fetched) at or after this ISO date/datetime."),
        click.option("--until", help="Published (or fetched) at or before this ISO date/datetime."),
        click.option(
            "--search",
            help='Full-text search in title and body: words (all must match), "a phrase", prefix*, '
            "OR, -excluded.",
        ),
        click.option("--language", help="Only articles in this language (en also matches en-GB)."),
        click.option(
            "--has-headlines/--no-headlines",
            "has_headlines",
            default=None,
            help="Only articles with (or without) a trailing headline list.",
        ),
        click.option("--with-duplicates", is_flag=True, help="Include near-duplicates of earlier articles."),
        click.option(
            "--sort",
            type=click.Choice(["newest", "relevance"]),
            default="newest",
            show_default=True,
            help="relevance needs --search.",
        ),
        click.option("--fields", help=f"Comma-separated fields to print, of: {', '.join(ARTICLE_FIELDS)}."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _article_filter(options: dict[str, Any], limit: int | None, offset: int) -> Any:
    """The values of the `article_filters` options -> an ArticleFilter."""
    from storage.queries import ArticleFilter, parse_when

    if options["sort"] == "relevance" and not options["search"]:
        raise click.UsageError("--sort relevance needs --search")
    try:
        since = parse_when(options["since"])
        until = parse_when(options["until"], end_of_day=True)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    return ArticleFilter(
        source=options["source"],
        since=since,
        until=until,
        search=options["search"],
        with_duplicates=options["with_duplicates"],
        limit=limit,
        offset=offset,
        language=options["language"],
        has_headlines=options["has_headlines"],
        sort=options["sort"],
    )


def _fields(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    fields = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in fields if f not in ARTICLE_FIELDS]
    if unknown or not fields:
        raise click.BadParameter(
            f"unknown field {', '.join(unknown) or '(none given)'}; choose from {', '.join(ARTICLE_FIELDS)}",
            param_hint="--fields",
        )
    return fields


def _pick(record: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    return {f: record.get(f) for f in fields} if fields else record


@main.command()
@article_filters
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@format_option
@click.pass_obj
def query(obj: Context, limit: int, offset: int, fmt: str | None, **filters: Any) -> None:
    """Stored articles, newest first (or most relevant first, with --search and --sort relevance).

    Example: newsdesk query --source bbc --since 2026-11-01 --search '"climate summit" OR cop*' --format json
    """

    from storage.queries import list_articles

    chosen = _fields(filters["fields"])
    f = _article_filter(filters, limit, offset)
    with obj.session() as session:
        records = [_pick(r, chosen) for r in list_articles(session, f)]
    columns = chosen or (ARTICLE_TABLE + ("snippet",) if f.search else ARTICLE_TABLE)
    emit(records, fmt, columns)


@main.command()
@article_filters
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many (default: all).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="JSON lines (one article a line) or CSV with a header row.",
)
@click.pass_obj
def export(obj: Context, limit: int | None, fmt: str, **filters: Any) -> None:
    """Write every matching article to stdout, streamed (any number, in constant memory).

    Example: newsdesk export --source bbc --since 2026-01-01 --format csv > bbc-2026.csv
    """

    from storage.queries import iter_articles

    f = _article_filter(filters, limit, 0)
    chosen = _fields(filters["fields"]) or (ARTICLE_FIELDS if f.search else ARTICLE_FIELDS[:-1])
    out = sys.stdout
    writer = csv.DictWriter(out, fieldnames=list(chosen), extrasaction="ignore") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    count = 0
    with obj.session() as session:
        for record in iter_articles(session, f, batch=500):
            picked = _pick(record, chosen)
            if writer is not None:
                writer.writerow({k: _csv_value(v) for k, v in picked.items()})
            else:
                out.write(json.dumps(picked, ensure_ascii=False) + "\n")
            count += 1
            if count % 10_000 == 0:
                click.echo(f"  {count:,} articles", err=True)
    click.echo(f"exported {count:,} articles", err=True)


@main.command()
@click.argument("key")
@format_option
@click.pass_obj
def show(obj: Context, key: str, fmt: str | None) -> None:
    """One article (by id or URL) with its headlines and versions.

    Example: newsdesk show 42
    """

    from storage.queries import get_article

    with obj.session() as session:
        record = get_article(session, key)
    if record is None:
        raise click.ClickException(f"no article with id or URL {key!r} (see newsdesk query)")
    fmt = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    if fmt != "table":
        emit([record], fmt)
        return
    click.secho(record["title"], bold=True)
    click.echo(
        f"{record['url']}\nsource {record['source']} · published {record['published'] or '?'} · "
        f"fetched {record['fetched_at']} · version {record['version']} · "
        f"by {', '.join(record['authors']) or '?'}"
        + (f" · duplicate of {record['duplicate_of']}" if record["duplicate_of"] else "")
    )
    click.echo("\n" + record["body"])
    if record["headline_links"]:
        click.secho("\nHeadlines split off:", bold=True)
        for h in record["headline_links"]:
            click.echo(f"  - {h['text']}" + (f"  <{h['url']}>" if h["url"] else ""))
    if record["versions"]:
        click.secho("\nEarlier versions:", bold=True)
        for v in record["versions"]:
            click.echo(f"  v{v['version']} fetched {v['fetched_at']}: {v['title']}")


@main.command()
@click.option("--source", help="Only this source.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_option
@click.pass_obj
def runs(obj: Context, source: str | None, limit: int, fmt: str | None) -> None:
    """Crawl run history, newest first.

    Example: newsdesk runs --source bbc --limit 10
    """

    from storage.queries import list_runs

    with obj.session() as session:
        records = list_runs(session, source, limit)
    emit(records, fmt, RUN_TABLE)


@main.command()
@click.option("--check", is_flag=True, help="Only validate the file; exit non-zero on any problem.")
@format_option
@click.pass_obj
def sources(obj: Context, check: bool, fmt: str | None) -> None:
    """Configured sources with their next run times.

    Example: newsdesk sources --check
    """

    try:
        configured = load_sources(obj.sources_path)
    except SourcesError as e:
        for problem in e.problems:
            click.echo(f"Error: {problem}", err=True)
        sys.exit(1)
    if check:
        click.echo(f"{obj.sources_path}: {len(configured)} sources, no problems")
        return
    from scheduler import first_run_time, make_trigger
    from storage.db import utcnow
    from storage.queries import last_runs, source_health

    with obj.session() as session:
        last = last_runs(session)
        health = {s.name: source_health(session, s.name) for s in configured}
    now = utcnow()
    records = []
    for s in configured:
        run = last.get(s.name)
        started = datetime.fromisoformat(run["started_at"].rstrip("Z")) if run else None
        first = first_run_time(s, started, now)
        if first is None:
            fire = make_trigger(s).get_next_fire_time(None, now.replace(tzinfo=UTC))
            first = fire.astimezone(UTC).replace(tzinfo=None) if fire else None
        records.append(
            {
                "name": s.name,
                "schedule": str(s.schedule),
                "feeds": s.feeds,
                "sitemaps": s.sitemaps,
                "start_urls": s.start_urls,
                "next_run": first.strftime("%Y-%m-%dT%H:%M:%SZ") if first else None,
                "last_status": run["status"] if run else None,
                "last_run": run["started_at"] if run else None,
                "health": health[s.name],
            }
        )
    emit(records, fmt, ("name", "schedule", "next_run", "last_status", "last_run", "health"))


def _html_files(paths: tuple[str, ...]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.name.endswith((".html", ".htm", ".html.gz")))
        elif path.is_file():
            yield path
        else:
            raise click.ClickException(f"{raw}: no such file or folder")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--url", help="The page's URL (resolves relative links; with one file).")
@format_option
def extract(paths: tuple[str, ...], url: str | None, fmt: str | None) -> None:
    """Extract saved pages (.html, .html.gz, or folders of them) without crawling.

    Example: newsdesk extract saved/ --format jsonl > articles.jsonl
    """
    from pipelines.cleaning import decode_html
    from pipelines.cleaning import extract as extract_page

    files = list(_html_files(paths))
    if url and len(files) > 1:
        raise click.UsageError("--url applies to a single file")
    records = []
    for path in files:
        try:
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise click.ClickException(f"{path}: cannot read it: {e}") from None
        page = extract_page(decode_html(data), url)
        name = path.name
        for suffix in (".gz", ".html", ".htm"):
            name = name.removesuffix(suffix)
        records.append(
            {
                "id": name,
                "path": str(path),
                "url": url or page.canonical_url,
                "title": page.title,
                "authors": page.authors,
                "published": page.published.strftime("%Y-%m-%dT%H:%M:%SZ") if page.published else None,
                "language": page.language,
                "body": page.body,
                "headlines": [h.text for h in page.headlines],
            }
        )
    emit(records, fmt, ("id", "title", "published", "body", "headlines"))


@main.command()
@click.argument("file", default="-")
@click.option(
    "--jsonl",
    is_flag=True,
    help='Input lines of {"id", "text"}; output lines of {"id", "body", "headlines"}.',
)
def split(file: str, jsonl: bool) -> None:
    """Split plain text into its body and the trailing headline list.

    Example: newsdesk split article.txt
    """
    from pipelines.headlines import split_text

    try:
        stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115  # closed below
    except OSError as e:
        raise click.ClickException(f"{file}: cannot read it: {e.strerror}") from None
    with stream:
        if not jsonl:
            result = split_text(stream.read())
            click.echo(json.dumps({"body": result.body, "headlines": result.headlines}, ensure_ascii=False))
            return
        out = sys.stdout
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                text = case["text"]
            except (ValueError, KeyError, TypeError):
                raise click.ClickException(f'{file} line {number}: not a JSON object with "text"') from None
            result = split_text(text if isinstance(text, str) else "")
            out.write(
                json.dumps(
                    {"id": case.get("id"), "body": result.body, "headlines": result.headlines},
                    ensure_ascii=False,
                )
                + "\n"
            )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free port."
)
@click.option(
    "--query-timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds a page's queries may take.",
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, query_timeout: float) -> None:
    """Read-only web pages (search, articles, runs) and a JSON API (/api/articles, /api/articles/ID,
    /api/runs) over the database, until Ctrl-C.

    Example: newsdesk serve --port 8080, then open http://127.0.0.1:8080/
    """
    from waitress.server import create_server

    from web.app import create_app

    engine = obj.engine()
    server = create_server(create_app(engine, query_timeout), host=host, port=port, threads=4)
    address = f"http://{host}:{getattr(server, 'effective_port', port)}/"
    click.echo(f"serving {engine.url.render_as_string()} read-only; Ctrl-C stops", err=True)
    print(address, flush=True)  # first line of stdout: where it listens (useful with --port 0)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        engine.dispose()


@main.command()
@format_option
@click.pass_obj
def demo(obj: Context, fmt: str | None) -> None:
    """Offline end-to-end demo: serve a bundled news site on 127.0.0.1, crawl it, show what was stored.

    Example: newsdesk --db sqlite:///demo.db demo
    """
    from sqlalchemy.orm import Session

    from crawler.runner import prepare, run_crawl
    from crawler.sources import parse_sources
    from demo.server import SiteServer
    from demo.site import build_site, demo_sources
    from storage.queries import ArticleFilter, count_articles, list_articles, run_record
    from storage.runs import get_run

    _setup_logging(obj.verbose, logging.WARNING)
    engine = obj.engine()
    try:
        with SiteServer(build_site()) as server, tempfile.TemporaryDirectory() as tmp:
            text = demo_sources(server.base_url)
            sources_file = Path(tmp) / "sources.toml"
            sources_file.write_text(text)
            import tomllib

            source = parse_sources(tomllib.loads(text))[0]
            click.echo(f"serving the demo site at {server.base_url}; crawling it into {obj.db_url}", err=True)
            prepare(engine)
            result = run_crawl(
                source,
                obj.db_url,
                str(sources_file),
                trigger="manual",
                verbose=obj.verbose,
                on_progress=_progress(source.name),
                engine=engine,
            )
        with Session(engine) as session:
            run = get_run(session, result.run_id)
            f = ArticleFilter(source=source.name, limit=100)
            total = count_articles(session, f)
            records = list_articles(session, f)
    finally:
        engine.dispose()
    if run is not None:
        r = run_record(run)
        click.echo(
            f"run {r['id']} {r['status']}: {r['pages']} pages, {r['stored']} stored, {r['updated']} updated, "
            f"{r['duplicates']} duplicates (the same article under another URL), {r['errors']} errors",
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
    sys.exit(0 if result.status == "ok" else 1)


if __name__ == "__main__":
    main()
