"""Dedupe: what is stored already is dropped, changed articles and near-duplicates are marked.

The check runs in the store stage's transaction, just before the write (pipelines.store), so that two
copies of one story in the same batch, or in two crawls writing at once, cannot both pass it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crawler.items import ArticleItem
from storage.articles import Lookups, mark_seen


def drop_reason(session: Session, item: ArticleItem, lookups: Lookups) -> str | None:
    """Why the item is not stored, or None (then `existing_id` or `duplicate_of` may be set on it); a
    dropped copy's URLs are recorded as seen (so the next run does not fetch them again), the others' by
    the store stage."""
    item.existing_id = None
    item.duplicate_of = None
    stored = lookups.stored_hash(item.url)
    if stored is not None:
        stored_id, stored_hash_ = stored
        if stored_hash_ == item.content_hash:
            mark_seen(session, item.source, item.seen_urls, stored_id)
            return f"unchanged: {item.url} is stored as article {stored_id}"
        item.existing_id = stored_id
        return None
    same = lookups.same_text(item.content_hash)
    if same is not None:
        same_id, same_url = same
        mark_seen(session, item.source, item.seen_urls, same_id)
        return f"duplicate: {item.url} has the same text as article {same_id} ({same_url})"
    item.duplicate_of = lookups.find_near_duplicate(item.minhash)
    return None
