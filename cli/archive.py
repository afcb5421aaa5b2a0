"""Commands that read the archive: `query`, `export`, `show`, `runs`, `sources`."""

from __future__ import annotations

import sys
from typing import Any

import click

from cli.app import Context
from cli.output import ARTICLE_TABLE, RUN_TABLE, RecordWriter, emit, format_option
from crawler.sources import SourcesError, load_sources
from extraction import strip_controls
from scheduler import source_overview
from storage import search
from storage.db import utcnow
from storage.queries import ArticleFilter, iter_articles, list_articles
from storage.records import MAX_ID, MAX_ROWS, get_article, parse_when
from storage.runs import list_runs
from storage.versions import changed_paragraphs, compare

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
SOURCE_TABLE = ("name", "schedule", "next_run", "last_status", "last_run", "late_by", "health")
EXPORT_PROGRESS_EVERY = 10_000


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
            "--edited-since",
            help="Only articles their publisher edited (a new version fetched) at or after this ISO date/datetime.",
        ),
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


def _article_filter(options: dict[str, Any], limit: int | None, offset: int) -> ArticleFilter:
    """The values of the `article_filters` options -> an ArticleFilter."""
    if options["sort"] == "relevance" and not options["search"]:
        raise click.UsageError("--sort relevance needs --search")
    try:
        since = parse_when(options["since"])
        until = parse_when(options["until"], end_of_day=True)
        edited_since = parse_when(options["edited_since"])
        search.parse(options["search"] or "")
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
        edited_since=edited_since,
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


@click.command()
@article_filters
@click.option("--limit", type=click.IntRange(1, MAX_ROWS), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0, MAX_ROWS), default=0, show_default=True)
@format_option
@click.pass_obj
def query(obj: Context, limit: int, offset: int, fmt: str | None, **filters: Any) -> None:
    """Stored articles, newest first (or most relevant first, with --search and --sort relevance).

    Example: newsdesk query --source bbc --since 2026-11-01 --search '"climate summit" OR cop*' --format json
    """
    chosen = _fields(filters["fields"])
    f = _article_filter(filters, limit, offset)
    with obj.session() as session:
        records = [_pick(r, chosen) for r in list_articles(session, f)]
    emit(records, fmt, chosen or (ARTICLE_TABLE + ("snippet",) if f.search else ARTICLE_TABLE))


@click.command()
@article_filters
@click.option(
    "--limit", type=click.IntRange(1, MAX_ROWS), default=None, help="At most this many (default: all)."
)
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
    f = _article_filter(filters, limit, 0)
    chosen = _fields(filters["fields"]) or (ARTICLE_FIELDS if f.search else ARTICLE_FIELDS[:-1])
    writer = RecordWriter(fmt, chosen)
    with obj.session() as session:
        for record in iter_articles(session, f, batch=500):
            writer.write(_pick(record, chosen))
            if writer.count % EXPORT_PROGRESS_EVERY == 0:
                click.echo(f"  {writer.count:,} articles", err=True)
    writer.close()
    click.echo(f"exported {writer.count:,} articles", err=True)


def _print_article(record: dict[str, Any]) -> None:
    """One article for a person to read: title, where and when, text, headlines, versions (never a raw
    control character: stored text from an older newsdesk may hold terminal escapes)."""
    record = _printable(record)
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


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_printable(v) for v in value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


@click.command()
@click.argument("key")
@click.option("--diff", is_flag=True, help="Show what changed between two versions, word by word.")
@click.option(
    "--from", "first", type=click.IntRange(1, MAX_ID), help="Earlier version [default: the one before --to]."
)
@click.option(
    "--to", "last", type=click.IntRange(1, MAX_ID), help="Later version [default: the current one]."
)
@format_option
@click.pass_obj
def show(obj: Context, key: str, diff: bool, first: int | None, last: int | None, fmt: str | None) -> None:
    """One article (by id or URL) with its headlines and versions.

    Example: newsdesk show 42 --diff
    """
    if (first is not None or last is not None) and not diff:
        raise click.UsageError("--from and --to go with --diff")
    with obj.session() as session:
        record = get_article(session, key)
    if record is None:
        raise click.ClickException(f"no article with id or URL {key!r} (see newsdesk query)")
    table = (fmt or ("table" if sys.stdout.isatty() else "jsonl")) == "table"
    if diff:
        if not record["versions"]:
            raise click.ClickException(f"article {record['id']} has one version: nothing to compare")
        last = record["version"] if last is None else last
        try:
            change = compare(record, last - 1 if first is None else first, last)
        except ValueError as e:
            raise click.ClickException(str(e)) from None
        if fmt is None or fmt == "table":
            _print_change(_printable(change), colour=sys.stdout.isatty())
        else:
            emit([change], fmt)
    elif table:
        _print_article(record)
    else:
        emit([record], fmt)


def _print_change(change: dict[str, Any], colour: bool) -> None:
    """A change between two versions for a person: the title and the changed paragraphs, deletions and
    insertions in red and green on a terminal, as [-deleted-] and {+inserted+} otherwise."""
    click.echo(
        f"article {change['id']}: version {change['from']} -> {change['to']} ({change['kind']} change)"
    )
    if any(op != "=" for op, _ in change["title"]):
        click.echo("title: " + _marked(change["title"], colour))
    if "byline" in change:
        click.echo("byline: " + _marked(change["byline"], colour))
    if "published" in change:
        before, after = change["published"]
        click.echo(f"published: {before or '?'} -> {after or '?'}")
    for what, sign in (("removed", "-"), ("added", "+")):
        for headline in change.get("headlines", {}).get(what, []):
            click.echo(f"headline {what}: " + _marked([(sign, headline)], colour))
    paragraphs = changed_paragraphs(change["body"])
    if not paragraphs:
        click.echo("body: unchanged")
    for paragraph in paragraphs:
        click.echo("\n" + _marked(paragraph, colour))


def _marked(segments: list[tuple[str, str]], colour: bool) -> str:
    out = []
    for op, text in segments:
        if op == "=":
            out.append(text)
        elif colour:
            out.append(
                click.style(text, fg="red", strikethrough=True)
                if op == "-"
                else click.style(text, fg="green")
            )
        else:
            out.append(f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
    return "".join(out)


@click.command()
@click.option("--source", help="Only this source.")
@click.option("--limit", type=click.IntRange(1, MAX_ROWS), default=50, show_default=True)
@format_option
@click.pass_obj
def runs(obj: Context, source: str | None, limit: int, fmt: str | None) -> None:
    """Crawl run history, newest first.

    Example: newsdesk runs --source bbc --limit 10
    """
    with obj.session() as session:
        records = list_runs(session, source, limit)
    emit(records, fmt, RUN_TABLE)


@click.command()
@click.option("--check", is_flag=True, help="Only validate the file; exit non-zero on any problem.")
@format_option
@click.pass_obj
def sources(obj: Context, check: bool, fmt: str | None) -> None:
    """Configured sources with their next run times, last status and health.

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
    with obj.session() as session:
        records = source_overview(session, configured, utcnow())
    emit(records, fmt, SOURCE_TABLE)
