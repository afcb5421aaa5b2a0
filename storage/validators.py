"""Feed and sitemap validators (ETag, Last-Modified) for conditional GETs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import dialect_insert, utcnow
from storage.models import IndexValidator


def load_validators(session: Session, url: str) -> tuple[str | None, str | None]:
    row = session.execute(
        select(IndexValidator.etag, IndexValidator.last_modified).where(IndexValidator.url == url)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def save_validators(session: Session, validators: dict[str, tuple[str | None, str | None]]) -> None:
    now = utcnow()
    for url, (etag, modified) in sorted(validators.items()):
        values = {"etag": etag, "last_modified": modified, "updated_at": now}
        session.execute(
            dialect_insert(session, IndexValidator)
            .values(url=url, **values)
            .on_conflict_do_update(index_elements=["url"], set_=values)
        )
