"""`newsdesk try` and `newsdesk fetch`: what the crawler would fetch and extract for a source, now, with
nothing stored (crawler.trial)."""

from __future__ import annotations

import json
import sys
import tempfile
import textwrap
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cli.app import Context
from cli.pages import web_address
from crawler.sources import Source, SourcesError, find_source, load_sources, parse_duration
from crawler.trial import SCRATCH_NAME, Trial, run_trial, scratch_sources
from extraction import strip_controls
from storage.articles import known_urls
from storage.db import DatabaseError, connect, sqlite_file

DECISIONS = {
    "crawl": "crawl",
    "stored": "stored",
    "denied": "denied",
    "not_allowed": "not allowed",
    "too_old": "too old",
    "failed": "failed",
}
BODY_START = 240  # characters of the body shown
OPTIONS = {
    "feeds": "--feed",
    "sitemaps": "--sitemap",
    "start_urls": "--start-url",
    "allow": "--allow",
    "deny": "--deny",
}


def _timeout(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return parse_duration(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def common_options(f: Any) -> Any:
    for option in reversed(
        (
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["text", "json"]),
                default="text",
                show_default=True,
                help="Text for a person, or one JSON object.",
            ),
            click.option(
                "--timeout",
                default="5m",
                show_default=True,
                callback=_timeout,
                help="Stop the try after this long (and show what it found).",
            ),
        )
    ):
        f = option(f)
    return f


def _source(obj: Context, name: str | None, given: dict[str, list[str]], folder: Path) -> tuple[Source, Path]:
    """The source to try and the sources file it is in: one written from the command line's URLs (named
    NAME, or 'try'), else NAME from the sources file."""
    if any(given[k] for k in ("feeds", "sitemaps", "start_urls")):
        path = folder / "sources.toml"
        path.write_text(scratch_sources(name or SCRATCH_NAME, **given), encoding="utf-8")
        try:
            return load_sources(path)[0], path
        except SourcesError as e:  # said in the command line's terms, not the scratch file's
            problems = [p.removeprefix(f"{path}: ") for p in e.problems]
            for key, option in OPTIONS.items():
                problems = [p.replace(f"'{key}' has", f"{option} has") for p in problems]
            raise click.ClickException("\n".join(problems)) from None
    try:
        if any(given.values()):
            raise click.UsageError("--allow and --deny go with --feed, --sitemap or --start-url")
        if not name:
            raise click.UsageError(
                "name a source of the sources file, or give --feed, --sitemap or --start-url"
            )
        return find_source(load_sources(obj.sources_path), name), Path(obj.sources_path)
    except SourcesError as e:
        raise click.ClickException("\n".join(e.problems)) from None


def mark_stored(obj: Context, source: Source, trial: Trial) -> None:
    """URLs the source stored already (in the configured database, when it exists) are marked `stored`:
    a crawl fetches them again only after refresh_after. Nothing is written (and no database created)."""
    wanted = [u["url"] for u in trial.urls if u["decision"] == "crawl"]
    path = sqlite_file(obj.db_url)
    if not wanted or (path is not None and not path.exists()):
        return
    try:
        engine = connect(obj.db_url, migrate=False)
    except DatabaseError:
        return
    try:
        with Session(engine) as session:
            known = known_urls(
                session, source.name, wanted, frozenset(source.keep_params), source.refresh_after
            )
    except SQLAlchemyError:  # an older or foreign schema: nothing to say about stored URLs
        return
    finally:
        engine.dispose()
    for note in trial.urls:
        if note["decision"] == "crawl" and note["url"] in known:
            note["decision"] = "stored"


def _clean(value: Any) -> str:
    return strip_controls(str(value)).replace("\n", " ")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def show(trial: Trial, fmt: str, limit: int, fetching: bool = False) -> None:
    if fmt == "json":
        click.echo(json.dumps(asdict(trial), ensure_ascii=False, indent=2))
    elif fetching:
        show_articles(trial)
    else:
        show_urls(trial)
        click.echo(f"\n{plural(len(trial.articles), 'article')} extracted (at most {limit}; nothing stored)")
        show_articles(trial)


def show_urls(trial: Trial) -> None:
    for page in trial.read:
        status = f"{page['status']} " if page["status"] else ""
        click.echo(f"read {_clean(page['url'])}: {status}{_clean(page['reason'])}".rstrip())
    counts = Counter(u["decision"] for u in trial.urls)
    summary = ", ".join(f"{n} {DECISIONS.get(d, d)}" for d, n in counts.most_common())
    click.echo(
        f"{trial.source}: {plural(len(trial.urls), 'article URL')} found"
        + (f" ({summary})" if summary else "")
    )
    for note in trial.urls:
        reason = note["reason"]
        if note["decision"] == "denied":
            reason = f"deny {reason!r}"
        elif note["decision"] == "not_allowed":
            reason = "matches no 'allow' pattern"
        elif note["decision"] == "stored":
            reason = "stored already"
        elif note["decision"] == "crawl":
            reason = f"fetched: {note['status']}" if note["status"] else "not fetched in this try (--limit)"
        via = f"[{note['via']}] " if note["via"] else ""
        click.echo(f"  {DECISIONS.get(note['decision'], note['decision']):<12} {via}{_clean(note['url'])}")
        if reason:
            click.echo(f"  {'':<12} {_clean(reason)}")


def show_articles(trial: Trial) -> None:
    for article in trial.articles:
        body = _clean(article["body"])
        start = body if len(body) <= BODY_START else body[: BODY_START - 1] + "…"
        click.echo(f"\n{_clean(article['url'])}")
        click.echo(f"  title      {_clean(article['title'])}")
        click.echo(f"  published  {article['published'] or '(none found)'}")
        click.echo(f"  authors    {_clean(', '.join(article['authors'])) or '(none found)'}")
        click.echo(f"  body       {len(article['body'])} characters")
        if start:
            click.echo(textwrap.indent(textwrap.fill(start, 96), "             "))
        headlines = article["headlines"]
        click.echo(f"  headlines  {len(headlines)} split off")
        for headline in headlines[:10]:
            click.echo(f"             - {_clean(headline)}")
        if len(headlines) > 10:
            click.echo(f"             … and {len(headlines) - 10} more")


def finish(obj: Context, source: Source, trial: Trial, fmt: str, limit: int, fetching: bool = False) -> None:
    """Show the trial; exit 1 when it found nothing to show (the reason on stderr)."""
    mark_stored(obj, source, trial)
    show(trial, fmt, limit, fetching)
    failed = [u for u in trial.urls if u["decision"] == "failed"]
    error = trial.error
    if not error and fetching and not trial.articles:
        error = failed[0]["reason"] if failed else "no article text found on the page"
    elif not error and not trial.urls:
        error = "no article URLs found: check the feed, sitemap or listing page URLs (and allow/deny)"
    if error:
        click.echo(f"Error: {_clean(error)}", err=True)
        sys.exit(1)


@click.command("try")
@click.argument("name", required=False)
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1), help="Articles to fetch.")
@click.option(
    "--feed", "feeds", multiple=True, help="Try a source not in the file: its feed URL (repeatable)."
)
@click.option("--sitemap", "sitemaps", multiple=True, help="... its sitemap URL (repeatable).")
@click.option("--start-url", "start_urls", multiple=True, help="... a listing page URL (repeatable).")
@click.option("--allow", multiple=True, help="... an allow pattern (regex, repeatable).")
@click.option("--deny", multiple=True, help="... a deny pattern (regex, repeatable).")
@common_options
@click.pass_obj
def try_source(
    obj: Context,
    name: str | None,
    limit: int,
    feeds: tuple[str, ...],
    sitemaps: tuple[str, ...],
    start_urls: tuple[str, ...],
    allow: tuple[str, ...],
    deny: tuple[str, ...],
    fmt: str,
    timeout: int,
) -> None:
    """Fetch a source's feeds, sitemaps and listing pages now and show which article URLs a crawl would
    fetch (and which rule kept the others out); then fetch and extract the first few. Stores nothing.

    \b
    Examples:
      newsdesk try example                         a source of sources.toml
      newsdesk try --feed https://example.com/rss  a source not in the file yet
    """
    given = {
        "feeds": list(feeds),
        "sitemaps": list(sitemaps),
        "start_urls": list(start_urls),
        "allow": list(allow),
        "deny": list(deny),
    }
    with tempfile.TemporaryDirectory(prefix="newsdesk-try-") as folder:
        source, path = _source(obj, name, given, Path(folder))
        click.echo(f"Trying {source.name} (nothing is stored)…", err=True)
        trial = run_trial(source, path, limit, timeout=timeout, verbose=obj.verbose)
    finish(obj, source, trial, fmt, limit)


@click.command()
@click.argument("url")
@click.option("--source", "name", help="Fetch it as an article of this source (its headers, proxy, rules).")
@click.option(
    "--render", is_flag=True, help="Through the browser (Chromium), as a source with render = true."
)
@common_options
@click.pass_obj
def fetch(obj: Context, url: str, name: str | None, render: bool, fmt: str, timeout: int) -> None:
    """Fetch one page now and show what newsdesk extracts from it. Stores nothing.

    Example: newsdesk fetch https://example.com/news/some-story --source example
    """
    if not web_address(url):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    with tempfile.TemporaryDirectory(prefix="newsdesk-fetch-") as folder:
        given = {"feeds": [], "sitemaps": [], "start_urls": [] if name else [url], "allow": [], "deny": []}
        source, path = _source(obj, name or "fetch", given, Path(folder))
        trial = run_trial(source, path, 1, fetch_url=url, render=render, timeout=timeout, verbose=obj.verbose)
    finish(obj, source, trial, fmt, 1, fetching=True)
