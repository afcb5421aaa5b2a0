"""`newsdesk import-warc`: articles from WARC files made elsewhere (wget --warc-file, ArchiveBox, another
crawler), through the same clean, dedupe and store stages as a crawl."""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections import Counter
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from cli.app import Context
from cli.output import time_limit_option
from crawler.items import ArticleItem, PageItem
from crawler.sources import NAME_RE
from extraction import MAX_PAGE_BYTES, PageTooSlow, decode_html
from pipelines.clean_worker import clean_page
from pipelines.store import store
from storage.capture import capture_folder, http_response
from storage.fingerprints import signature

BATCH = 50  # articles per transaction


def keep_copy(file: Path, root: Path, source: str) -> Path:
    """The file copied into the capture folder (once: named after its content), so that the articles
    can point at it and `reextract` can read it."""
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    target = root / source / "imported" / f"{digest.hexdigest()[:16]}-{file.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
    return target


def pages(path: Path, relative: str, source: str, tally: Counter[str]) -> list[PageItem]:
    """The HTML pages answered 200 in a WARC file."""
    found = []
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            response = http_response(record, MAX_PAGE_BYTES)
            if response is None:
                continue
            if response.status != "200" or "html" not in response.content_type.lower():
                tally["not an HTML page"] += 1
                continue
            if response.too_large:
                tally["larger than 10 MiB"] += 1
                continue
            page = PageItem(
                source=source,
                url=response.url,
                final_url=response.url,
                html=decode_html(response.body, response.content_type),
                capture=(relative, records.get_record_offset()),
            )
            found.append(page)
    return found


@click.command("import-warc")
@click.option("--source", required=True, help="The source the articles are stored under.")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@time_limit_option
@click.pass_obj
def import_warc(obj: Context, source: str, files: tuple[Path, ...], seconds: float) -> None:
    """Store the articles of WARC files made elsewhere (their HTML pages answered 200), checked for
    duplicates as a crawl's are; the files are copied into the capture folder.

    Example: newsdesk import-warc --source archive crawl-2026-11.warc.gz
    """
    if not NAME_RE.match(source):
        raise click.UsageError(f"--source {source!r}: a source name is made of a-z, 0-9, _ and -")
    root = capture_folder(obj.db_url)
    engine = obj.engine()
    tally: Counter[str] = Counter()
    try:
        for file in files:
            try:
                copy = keep_copy(file, root, source)
                found = pages(copy, str(copy.relative_to(root)), source, tally)
            except (OSError, ArchiveLoadFailed) as e:
                click.echo(f"Error: {file}: not a readable WARC file ({e})", err=True)
                tally["unreadable files"] += 1
                continue
            with click.progressbar(found, label=file.name, file=sys.stderr) as bar:
                articles: list[ArticleItem] = []
                for page in bar:
                    try:
                        article = clean_page(page, frozenset(), seconds)
                    except PageTooSlow:
                        tally["past the time limit of a page"] += 1
                        continue
                    if not article.body and not article.title:
                        tally["without article text"] += 1
                        continue
                    article.minhash = signature(article.shingle_hashes)
                    articles.append(article)
                    if len(articles) >= BATCH:
                        write(engine, articles, tally)
                        articles = []
                write(engine, articles, tally)
    finally:
        engine.dispose()
    first = ("stored", "updated", "duplicates")  # then what was passed over, and why
    order = [*(k for k in first if k in tally), *sorted(k for k in tally if k not in first)]
    click.echo(", ".join(f"{what} {tally[what]}" for what in order) or "no pages found")
    if tally["unreadable files"]:
        sys.exit(1)


def write(engine: Engine, articles: list[ArticleItem], tally: Counter[str]) -> None:
    if not articles:
        return
    with Session(engine) as session, session.begin():
        for article in articles:
            outcome, _ = store(session, article)
            tally["duplicates" if outcome in ("unchanged", "duplicate") else outcome] += 1
