"""Records as the CLI and the web show them: an article (with its headlines, versions and capture), times
in ISO 8601 UTC, and the dates a user types read back."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as clock
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Article, ArticleVersion
from storage.urls import canonicalize

ISO = "%Y-%m-%dT%H:%M:%SZ"


# The largest id or row count a query takes (ids are 32-bit on PostgreSQL; limits and offsets 64-bit).
MAX_ID = 2**31 - 1
MAX_ROWS = 2**63 - 1


def iso(value: datetime | None) -> str | None:
    """Naive-UTC datetime -> '2026-11-24T17:05:09Z'."""
    return value.strftime(ISO) if value is not None else None


def parse_when(value: str | None, end_of_day: bool = False) -> datetime | None:
    """A filter's ISO date or datetime -> naive UTC; a bare date means its start (or its end, for an
    `until`). ValueError for anything else."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).date()
            return datetime.combine(day, clock.max if end_of_day else clock.min)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO date or datetime (e.g. 2026-11-24 or 2026-11-24T17:05:00Z)"
        ) from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+14:00 is before the first representable instant
            return datetime.min if parsed.year == datetime.min.year else datetime.max
    return parsed


def article_record(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "source": article.source.name,
        "url": article.url,
        "title": article.title,
        "authors": list(article.authors or []),
        "published": iso(article.published_at),
        "language": article.language,
        "body": article.body,
        "headlines": [h.text for h in article.headlines],
        "fetched_at": iso(article.fetched_at),
        "version": article.version,
        "duplicate_of": article.duplicate_of,
        "extractor": article.extractor,
        "origin": article.origin,
        "change": article.change,
    }


def get_article(session: Session, key: str | int) -> dict[str, Any] | None:
    """One article by id or URL, with its headline links and earlier versions."""
    stmt = select(Article).options(selectinload(Article.headlines), selectinload(Article.versions))
    if isinstance(key, int) or (str(key).isascii() and str(key).isdigit()):
        if not 0 < int(key) <= MAX_ID:
            return None
        stmt = stmt.where(Article.id == int(key))
    else:
        try:
            urls = {str(key), canonicalize(str(key))}
        except ValueError:  # not a URL at all ("http://[::1"): no article has it
            return None
        stmt = stmt.where(Article.url.in_(urls))
    article = session.scalars(stmt).first()
    if article is None:
        return None
    record = article_record(article)
    record["headline_links"] = [{"text": h.text, "url": h.url} for h in article.headlines]
    record["versions"] = [version_record(v) for v in article.versions]
    # The page as fetched, in the capture folder's WARC files (storage.capture).
    record["capture"] = (
        {"file": article.capture_file, "offset": article.capture_offset} if article.capture_file else None
    )
    return record


def version_record(v: ArticleVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "title": v.title,
        "fetched_at": iso(v.fetched_at),
        "body": v.body,
        "extractor": v.extractor,
        "origin": v.origin,
        "change": v.change,
        "authors": v.authors,
        "published": iso(v.published_at),
        "headlines": [h[0] for h in v.headlines] if v.headlines is not None else None,
    }
