"""`newsdesk reextract`: the current extractor run over the pages the crawls captured, so that stored
articles benefit from better rules without fetching anything again."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cli.app import Context
from cli.output import time_limit_option
from crawler.items import ArticleItem, PageItem
from extraction import EXTRACTOR_VERSION, MAX_PAGE_BYTES, PageTooSlow, decode_html
from pipelines.clean_worker import clean_page
from pipelines.store import new_article
from storage.articles import REEXTRACTED, update_article
from storage.capture import CaptureMissing, capture_folder, read_response
from storage.fingerprints import signature
from storage.models import Article, Source
from storage.records import parse_when

CHUNK = 100  # articles per transaction: what an interruption loses, and then does again


@dataclass
class Tally:
    changed: int = 0
    unchanged: int = 0
    missing: int = 0
    too_slow: int = 0

    def __str__(self) -> str:
        return (
            f"{self.changed} changed (a new version each, marked re-extracted), {self.unchanged} unchanged, "
            f"{self.missing} without a readable capture"
        ) + (f", {self.too_slow} past the time limit of a page (kept as they were)" if self.too_slow else "")


def differs(article: Article, item: ArticleItem) -> bool:
    return (
        article.title != item.title
        or article.body != item.body
        or [(h.text, h.url) for h in article.headlines] != [tuple(h) for h in item.headlines]
        or list(article.authors or []) != item.authors
        or (item.published_at is not None and article.published_at != item.published_at)
        or article.language != item.language
    )


@click.command()
@click.option("--source", help="Only this source's articles.")
@click.option("--since", help="Only articles published (else fetched) on or after this date.")
@click.option("--until", help="Only articles published (else fetched) on or before this date.")
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@time_limit_option
@click.pass_obj
def reextract(
    obj: Context, source: str | None, since: str | None, until: str | None, dry_run: bool, seconds: float
) -> None:
    """Run the current extractor over the captured pages of stored articles: an article whose title,
    body, headlines or metadata come out different gets a new version marked re-extracted. Articles an
    earlier run already did are skipped, so after Ctrl-C the same command goes on where it stopped.

    Example: newsdesk reextract --source bbc --since 2026-01-01 --dry-run
    """
    try:
        start, end = parse_when(since), parse_when(until, end_of_day=True)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    root = capture_folder(obj.db_url)
    engine = obj.engine()
    stmt = select(Article.id).where(
        Article.capture_file.is_not(None),
        (Article.extractor.is_(None)) | (Article.extractor != EXTRACTOR_VERSION),
    )
    if source:
        stmt = stmt.where(
            Article.source_id == select(Source.id).where(Source.name == source).scalar_subquery()
        )
    if start:
        stmt = stmt.where(Article.sort_at >= start)
    if end:
        stmt = stmt.where(Article.sort_at <= end)
    tally = Tally()
    try:
        with Session(engine) as session:
            ids = list(session.scalars(stmt.order_by(Article.id)))
        with click.progressbar(length=len(ids), label="re-extracting", file=sys.stderr) as bar:
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i : i + CHUNK]
                with Session(engine) as session, session.begin():
                    articles = session.scalars(
                        select(Article).where(Article.id.in_(chunk)).options(selectinload(Article.headlines))
                    )
                    for article in articles:
                        redo(session, article, root, tally, dry_run, seconds)
                    if dry_run:
                        session.rollback()
                bar.update(len(chunk))
    except KeyboardInterrupt:
        click.echo(f"interrupted: {tally}; run it again to go on", err=True)
        sys.exit(130)
    finally:
        engine.dispose()
    done = "would be" if dry_run else "were"
    click.echo(f"{len(ids)} articles {done} re-extracted with extractor {EXTRACTOR_VERSION}: {tally}")


def redo(session: Session, article: Article, root: Path, tally: Tally, dry_run: bool, seconds: float) -> None:
    assert article.capture_file is not None and article.capture_offset is not None
    try:
        response = read_response(root, article.capture_file, article.capture_offset, MAX_PAGE_BYTES)
    except CaptureMissing:
        tally.missing += 1
        return
    html = decode_html(response.body, response.content_type)
    page = PageItem(source="", url=article.url, final_url=response.url or article.url, html=html)
    try:
        item = clean_page(page, frozenset(), seconds)
    except PageTooSlow:
        tally.too_slow += 1  # kept as it is, and tried again by the next run
        return
    if not differs(article, item):
        tally.unchanged += 1
        if not dry_run:
            article.extractor = EXTRACTOR_VERSION  # done: a later run skips it
        return
    tally.changed += 1
    if dry_run:
        return
    new = new_article(
        item,
        url=article.url,
        minhash=signature(item.shingle_hashes),
        duplicate_of=None,
        fetched_at=article.fetched_at,  # the page is the one fetched then
        capture_file=article.capture_file,
        capture_offset=article.capture_offset,
        origin=REEXTRACTED,
    )
    update_article(session, article, new)
