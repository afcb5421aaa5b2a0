"""Store stage: each article is checked against the store (pipelines.dedupe) and inserted, or added as a
new version of the stored one, or dropped, in one transaction.

The writes happen on one writer thread, in batches: every article waiting when the thread is free goes
into the same transaction (at most BATCH), so a busy crawl pays one commit for many articles, and the
reactor goes on fetching while the database works (waits for PostgreSQL's answers release the GIL). One
thread keeps the order simple: the articles of a batch are checked and written one after the other, so a
copy later in the batch sees the original written earlier in it."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from crawler.items import ArticleItem
from pipelines.base import StorageStage, from_record
from pipelines.dedupe import drop_reason
from storage.articles import Lookups, NewArticle, insert_article, mark_seen, update_article
from storage.db import unavailable
from storage.models import Article
from storage.spool import reject, replay

logger = logging.getLogger(__name__)

BATCH = 32  # articles per transaction at most (a longer one keeps other writers of a SQLite file waiting)

Outcome = tuple[str, str]  # (stored | updated | unchanged | duplicate, what happened)


class StorePipeline(StorageStage):
    writer: Writer | None = None

    def open_spider(self) -> None:
        """Articles an earlier crawl could not write (see StorageStage.keep) go in first."""
        written = replay(self.spool, self.write_spooled)
        if written:
            logger.info("%d spooled articles written from %s", written, self.spool)
        self.writer = Writer(lambda: self.database.engine, store_batch)

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def write_spooled(self, record: dict[str, Any]) -> None:
        try:
            with Session(self.database.engine) as session, session.begin():
                outcome, _ = store(session, from_record(record))
        except Exception as e:
            if unavailable(e):
                raise  # the replay stops; this and the later articles stay spooled
            kept = reject(self.spool, record, str(e).splitlines()[0])
            logger.error(
                "spooled article %s refused by the database, kept in %s: %s", record.get("url"), kept, e
            )
            if self.context.signals is not None:  # an error of the run, counted as any item that fails
                self.context.signals.send_catch_log(
                    signals.item_error, item=record, response=None, spider=None, failure=Failure(e)
                )
            return
        self.count(outcome)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        assert self.writer is not None, "open_spider starts the writer"
        try:
            outcome, detail = await asyncio.wrap_future(self.writer.submit(item))
        except Exception as e:
            if not unavailable(e):
                raise  # refused for what it holds: the item fails alone, and is not kept to fail again
            self.keep(item, e)
        self.count(outcome)
        if outcome in ("unchanged", "duplicate"):
            raise DropItem(detail)
        if item.duplicate_of is not None:
            self.stats.inc_value("newsdesk/near_duplicate")
        logger.debug("%s %s: %s", outcome, item.url, detail)
        return item

    def count(self, outcome: str) -> None:
        self.stats.inc_value("newsdesk/duplicate" if outcome == "unchanged" else f"newsdesk/{outcome}")


def store(session: Session, item: ArticleItem, lookups: Lookups | None = None) -> Outcome:
    """Check the item against the store and write it, in the session's transaction (with the lookups of
    the batch it is part of, when given)."""
    lookups = lookups if lookups is not None else Lookups(session)
    reason = drop_reason(session, item, lookups)
    if reason is not None:
        return ("unchanged" if reason.startswith("unchanged") else "duplicate"), reason
    return write(session, item, lookups)


def store_batch(session: Session, items: list[ArticleItem]) -> list[Outcome]:
    """Store the items one after the other in the session's transaction, their lookups made together."""
    lookups = Lookups.for_batch(
        session,
        (item.url for item in items),
        (item.content_hash for item in items),
        (item.minhash for item in items if item.minhash is not None),
    )
    return [store(session, item, lookups) for item in items]


def new_article(item: ArticleItem, **changes: Any) -> NewArticle:
    """The article an item holds, as the store takes it (`changes` set other values)."""
    values: dict[str, Any] = {
        "source": item.source,
        "url": item.url,
        "title": item.title,
        "authors": item.authors,
        "published_at": item.published_at,
        "language": item.language,
        "body": item.body,
        "content_hash": item.content_hash,
        "minhash": item.minhash,
        "headlines": item.headlines,
        "duplicate_of": item.duplicate_of,
        "capture_file": item.capture_file,
        "capture_offset": item.capture_offset,
        "extractor": item.extractor,
    }
    return NewArticle(**(values | changes))


def write(session: Session, item: ArticleItem, lookups: Lookups) -> Outcome:
    """Insert the item, or add its text as a new version of the stored article, in the session's
    transaction (the article, its headlines, band keys and seen URLs land together or not at all).
    Returns the outcome (stored, updated or duplicate) and what happened."""
    new = new_article(item)
    article = session.get(Article, item.existing_id) if item.existing_id is not None else None
    if article is not None:
        version = update_article(session, article, new)
        lookups.updated()
        mark_seen(session, item.source, item.seen_urls, article.id)
        return "updated", f"article {article.id}, version {version}"
    article_id = insert_article(session, new)
    if article_id is None:
        return "duplicate", f"duplicate: {item.url} was stored meanwhile"
    lookups.inserted(article_id, new)
    mark_seen(session, item.source, item.seen_urls, article_id)
    return "stored", f"article {article_id}"


class Writer:
    """A thread that runs `handle(session, items)` for submitted items, in batches of one transaction.

    A batch that fails for any reason but an unavailable database is written again one item per
    transaction, so one bad article costs only itself."""

    def __init__(
        self, engine: Callable[[], Engine], handle: Callable[[Session, list[ArticleItem]], list[Outcome]]
    ):
        self.engine = engine
        self.handle = handle
        self.queue: queue.SimpleQueue[tuple[ArticleItem, Future[Outcome]] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="newsdesk-writer", daemon=True)
        self.thread.start()

    def submit(self, item: ArticleItem) -> Future[Outcome]:
        done: Future[Outcome] = Future()
        self.queue.put((item, done))
        return done

    def close(self) -> None:
        """Write what was submitted, then stop the thread."""
        self.queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    waiting = self.queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    stopping = True
                    break
                batch.append(waiting)
            self._write(batch)

    def _write(self, batch: list[tuple[ArticleItem, Future[Outcome]]]) -> None:
        try:
            with Session(self.engine()) as session, session.begin():
                outcomes = self.handle(session, [item for item, _ in batch])
        except Exception as e:
            if unavailable(e):
                for _, done in batch:
                    done.set_exception(e)
            elif len(batch) == 1:
                batch[0][1].set_exception(e)
            else:
                for one in batch:
                    self._write([one])
        else:
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                done.set_result(outcome)
