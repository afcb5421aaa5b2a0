"""Write side of articles: lookups the dedupe stage needs, and idempotent inserts and updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from pipelines.fingerprints import bands, distance, to_signed, to_unsigned
from storage.db import dialect_insert, utcnow
from storage.models import Article, ArticleVersion, Headline, Source


@dataclass
class NewArticle:
    source: str
    url: str
    title: str
    authors: list[str]
    published_at: datetime | None
    language: str | None
    body: str
    content_hash: str
    simhash: int  # unsigned
    headlines: list[tuple[str, str | None]] = field(default_factory=list)
    duplicate_of: int | None = None
    fetched_at: datetime = field(default_factory=utcnow)


def ensure_source(session: Session, name: str) -> int:
    session.execute(
        dialect_insert(session, Source)
        .values(name=name, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalars(select(Source.id).where(Source.name == name)).one()


def find_by_url(session: Session, url: str) -> Article | None:
    return session.scalars(select(Article).where(Article.url == url)).first()


def find_by_hash(session: Session, content_hash: str) -> Article | None:
    return session.scalars(
        select(Article).where(Article.content_hash == content_hash).order_by(Article.id).limit(1)
    ).first()


def find_near_duplicate(session: Session, value: int, max_distance: int) -> int | None:
    """The earliest original article whose SimHash is within `max_distance` bits of `value`."""
    b = bands(value)
    candidates = session.execute(
        select(Article.id, Article.simhash, Article.duplicate_of)
        .where(
            or_(
                Article.sim_band0 == b[0],
                Article.sim_band1 == b[1],
                Article.sim_band2 == b[2],
                Article.sim_band3 == b[3],
            )
        )
        .order_by(Article.id)
        .limit(200)
    ).all()
    for article_id, other, duplicate_of in candidates:
        if distance(value, to_unsigned(other)) <= max_distance:
            return duplicate_of or article_id
    return None


def known_urls(session: Session, source: str) -> set[str]:
    return set(session.scalars(select(Article.url).join(Source).where(Source.name == source)))


def _fingerprint_columns(value: int) -> dict[str, int]:
    b = bands(value)
    return {"simhash": to_signed(value), **{f"sim_band{i}": b[i] for i in range(4)}}


def insert_article(session: Session, new: NewArticle) -> int | None:
    """Insert a new article with its headlines; None when the URL is already stored (by another worker)."""
    source_id = ensure_source(session, new.source)
    result = session.execute(
        dialect_insert(session, Article)
        .values(
            source_id=source_id,
            url=new.url,
            title=new.title,
            authors=new.authors,
            published_at=new.published_at,
            language=new.language,
            body=new.body,
            content_hash=new.content_hash,
            duplicate_of=new.duplicate_of,
            first_seen_at=new.fetched_at,
            fetched_at=new.fetched_at,
            sort_at=new.published_at or new.fetched_at,
            version=1,
            **_fingerprint_columns(new.simhash),
        )
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(Article.id)
    )
    article_id = result.scalar()
    if article_id is None:
        return None
    _write_headlines(session, article_id, new.headlines)
    return article_id


def update_article(session: Session, article: Article, new: NewArticle) -> int:
    """Keep the current text as a version and store the new one; returns the new version number."""
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            body=article.body,
            content_hash=article.content_hash,
            fetched_at=article.fetched_at,
        )
    )
    article.version += 1
    article.title = new.title
    article.body = new.body
    article.authors = new.authors
    article.language = new.language
    article.content_hash = new.content_hash
    article.fetched_at = new.fetched_at
    if new.published_at is not None:
        article.published_at = new.published_at
    article.sort_at = article.published_at or article.fetched_at
    for key, value in _fingerprint_columns(new.simhash).items():
        setattr(article, key, value)
    session.execute(delete(Headline).where(Headline.article_id == article.id))
    session.flush()
    _write_headlines(session, article.id, new.headlines)
    return article.version


def _write_headlines(session: Session, article_id: int, headlines: list[tuple[str, str | None]]) -> None:
    if headlines:
        session.execute(
            dialect_insert(session, Headline),
            [
                {"article_id": article_id, "position": i, "text": text, "url": url}
                for i, (text, url) in enumerate(headlines)
            ],
        )
