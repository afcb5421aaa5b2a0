"""Dedupe stage: drop what is stored already, mark changed articles and near-duplicates."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from pipelines.base import StorageStage, from_record
from pipelines.store import write
from storage.articles import find_by_hash, find_by_url, find_near_duplicate, mark_seen
from storage.db import UNAVAILABLE
from storage.spool import replay

logger = logging.getLogger(__name__)


class DedupePipeline(StorageStage):
    def open_spider(self) -> None:
        """Articles an earlier crawl could not write (see StorageStage.keep) go in first."""
        written = replay(self.spool, self.write_spooled)
        if written:
            logger.info("%d spooled articles written from %s", written, self.spool)

    def write_spooled(self, record: dict[str, Any]) -> None:
        item = from_record(record)
        with Session(self.database.engine) as session, session.begin():
            reason = drop_reason(session, item)
            outcome = "duplicate" if reason else write(session, item)[0]
        self.stats.inc_value(f"newsdesk/{outcome}")

    def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            with Session(self.database.engine) as session, session.begin():
                reason = drop_reason(session, item)
        except UNAVAILABLE as e:
            self.keep(item, e)
        if reason:
            self.stats.inc_value("newsdesk/duplicate")
            raise DropItem(reason)
        if item.duplicate_of is not None:
            self.stats.inc_value("newsdesk/near_duplicate")
        return item


def drop_reason(session: Session, item: ArticleItem) -> str | None:
    """Why the item is not stored, or None (then `existing_id` or `duplicate_of` may be set on it); a
    dropped copy's URLs are recorded as seen (so the next run does not fetch them again), the others' by
    the store stage."""
    stored = find_by_url(session, item.url)
    if stored is not None:
        if stored.content_hash == item.content_hash:
            mark_seen(session, item.source, item.seen_urls, stored.id)
            return f"unchanged: {item.url} is stored as article {stored.id}"
        item.existing_id = stored.id
        return None
    same = find_by_hash(session, item.content_hash)
    if same is not None:
        mark_seen(session, item.source, item.seen_urls, same.id)
        return f"duplicate: {item.url} has the same text as article {same.id} ({same.url})"
    item.duplicate_of = find_near_duplicate(session, item.minhash)
    return None
