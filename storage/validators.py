"""Feed and sitemap validators (ETag, Last-Modified) for conditional GETs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import dialect_insert, utcnow
from storage.models import MAX_DATE_CHARS, MAX_ETAG_CHARS, IndexValidator
from storage.urls import MAX_URL_CHARS


def load_validators(
    session: Session, url: str, saved_since: datetime | None = None
) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified saved for `url` (only if saved since `saved_since`, when given)."""
    stmt = select(IndexValidator.etag, IndexValidator.last_modified).where(IndexValidator.url == url)
    if saved_since is not None:
        stmt = stmt.where(IndexValidator.updated_at >= saved_since)
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else (None, None)


def save_validators(session: Session, validators: dict[str, tuple[str | None, str | None]]) -> None:
    now = utcnow()
    for url, (etag, modified) in sorted(validators.items()):
        if len(url) > MAX_URL_CHARS:
            continue  # read in full next time
        # A header longer than its column (a server's own choice) is not sent back.
        etag = etag if etag is None or len(etag) <= MAX_ETAG_CHARS else None
        modified = modified if modified is None or len(modified) <= MAX_DATE_CHARS else None
        values = {"etag": etag, "last_modified": modified, "updated_at": now}
        session.execute(
            dialect_insert(session, IndexValidator)
            .values(url=url, **values)
            .on_conflict_do_update(index_elements=["url"], set_=values)
        )
