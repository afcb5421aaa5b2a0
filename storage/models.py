"""The newsdesk schema as typed SQLAlchemy 2 models. Timestamps are naive UTC."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.urls import MAX_URL_CHARS

MAX_ETAG_CHARS, MAX_DATE_CHARS = 1024, 100  # a feed's ETag and Last-Modified kept for its next request


class Base(DeclarativeBase):
    pass


class RunStatus(StrEnum):
    """crawl_runs.status: `running` until the runner records how the run ended."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"


class Trigger(StrEnum):
    """crawl_runs.trigger: what started the run."""

    SCHEDULE = "schedule"
    MANUAL = "manual"


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The health kind (ok, failing, idle, degraded) the alerts last reported; a change is reported once.
    reported_health: Mapped[str | None] = mapped_column(String(20))


class Article(Base):
    __tablename__ = "articles"
    # Newest first (the order of every listing and export) is a walk down this index, never a sort.
    __table_args__ = (
        Index("ix_articles_sort_at_id", "sort_at", "id"),
        # A search's matches are ordered and filtered through this narrow index, not the wide rows.
        Index("ix_articles_listing", "id", "sort_at", "duplicate_of", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    language: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # MinHash signature of the body's word 3-grams (None for texts too short to compare); its LSH band
    # keys live in article_bands, for originals only, so a near-duplicate lookup is one indexed probe.
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The page as fetched (storage.capture): WARC file in the capture folder, offset of its response record.
    capture_file: Mapped[str | None] = mapped_column(String(500))
    capture_offset: Mapped[int | None] = mapped_column(BigInteger)
    # The extractor version that made this text, and how it came: "fetched" (the page as the crawl
    # fetched it) or "reextracted" (a stored page run through a newer extractor).
    extractor: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(20))
    # What kind of change made this text from the one before (storage.versions.edit_kind); None for a first.
    change: Mapped[str | None] = mapped_column(String(20))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    # Sort/filter date: published_at where known, else fetched_at (kept in one indexed column).
    sort_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    source: Mapped[Source] = relationship()
    headlines: Mapped[list[Headline]] = relationship(
        order_by="Headline.position", cascade="all, delete-orphan", passive_deletes=True
    )
    versions: Mapped[list[ArticleVersion]] = relationship(
        order_by="ArticleVersion.version", cascade="all, delete-orphan", passive_deletes=True
    )


class ArticleBand(Base):
    """One LSH band key of an original article's MinHash (see storage.fingerprints.band_keys)."""

    __tablename__ = "article_bands"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SeenUrl(Base):
    """Every URL a source fetched (as linked, after redirects, and canonical) with the article it gave:
    what is here and fresh is not fetched again."""

    __tablename__ = "seen_urls"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


class IndexValidator(Base):
    """A feed's or sitemap's ETag and Last-Modified from its last complete read: sent back as a
    conditional GET, so an unchanged index costs a 304 and no parsing."""

    __tablename__ = "index_validators"

    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(MAX_ETAG_CHARS))
    last_modified: Mapped[str | None] = mapped_column(String(MAX_DATE_CHARS))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ArticleVersion(Base):
    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    capture_file: Mapped[str | None] = mapped_column(String(500))
    capture_offset: Mapped[int | None] = mapped_column(BigInteger)
    # The extractor version that made this text, and how it came: "fetched" (the page as the crawl
    # fetched it) or "reextracted" (a stored page run through a newer extractor).
    extractor: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(20))
    # What kind of change made this text from the one before (storage.versions.edit_kind); None for a first.
    change: Mapped[str | None] = mapped_column(String(20))
    # The byline, date and split-off headlines that went with this text (None: kept before they were).
    authors: Mapped[list[str] | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    headlines: Mapped[list[list[str | None]] | None] = mapped_column(JSON)


class Headline(Base):
    __tablename__ = "headlines"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(MAX_URL_CHARS))


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(20))  # a Trigger
    status: Mapped[str] = mapped_column(String(20), index=True)  # a RunStatus
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    # How the crawl process ended, written by it: Scrapy's close reason ("finished", "shutdown", ...) and
    # how many articles it left in the spool because the database was unavailable.
    close_reason: Mapped[str | None] = mapped_column(String(100))
    spooled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Which process runs it: a `running` row whose process is gone on this host becomes `interrupted`.
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int | None] = mapped_column(Integer)
    # What extraction gave on this run's pages (crawler.extensions.run_quality): its drift from the source's
    # recent runs flags the source degraded.
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why most of its requests were refused ("403 on 18 of 20 requests"), or None.
    blocked: Mapped[str | None] = mapped_column(String(200))
    # A scheduled run: seconds between its planned time and its start (None for a manual run).
    late_by: Mapped[float | None] = mapped_column(Float)
    # A run crawled by workers (crawler.queued): the pages each fetched, by worker id (host:pid).
    workers: Mapped[dict[str, int] | None] = mapped_column(JSON)


class Lock(Base):
    """Named leases (the daemon's, each source's crawl): held while the heartbeat is fresh."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime)
