"""Read side for the CLI and the web: queries take a session, never commit, and return plain records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session, selectinload

from pipelines.urls import canonicalize
from storage.models import Article, CrawlRun, Source

ISO = "%Y-%m-%dT%H:%M:%SZ"


def iso(value: datetime | None) -> str | None:
    """Naive-UTC datetime -> '2026-11-24T17:05:09Z'."""
    return value.strftime(ISO) if value is not None else None


@dataclass
class ArticleFilter:
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    with_duplicates: bool = False
    limit: int = 50
    offset: int = 0


def fts_query(user_text: str) -> str:
    """User words -> an FTS5 query of quoted terms (all must match); no FTS syntax gets through."""
    terms = [t.replace('"', '""') for t in user_text.split() if t.strip('"')]
    return " ".join(f'"{t}"' for t in terms)


def _filtered(session: Session, f: ArticleFilter) -> Select[Any]:
    stmt = select(Article).join(Source)
    if f.source:
        stmt = stmt.where(Source.name == f.source)
    if f.since:
        stmt = stmt.where(Article.sort_at >= f.since)
    if f.until:
        stmt = stmt.where(Article.sort_at <= f.until)
    if not f.with_duplicates:
        stmt = stmt.where(Article.duplicate_of.is_(None))
    if f.search and f.search.strip():
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.where(text("articles.search_vector @@ websearch_to_tsquery('simple', :q)")).params(
                q=f.search
            )
        else:
            match = fts_query(f.search)
            if match:
                stmt = stmt.where(
                    Article.id.in_(text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q"))
                ).params(q=match)
    return stmt


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
    }


def list_articles(session: Session, f: ArticleFilter) -> list[dict[str, Any]]:
    stmt = (
        _filtered(session, f)
        .options(selectinload(Article.headlines), selectinload(Article.source))
        .order_by(Article.sort_at.desc(), Article.id.desc())
        .limit(f.limit)
        .offset(f.offset)
    )
    return [article_record(a) for a in session.scalars(stmt)]


def count_articles(session: Session, f: ArticleFilter) -> int:
    return session.scalar(select(func.count()).select_from(_filtered(session, f).subquery())) or 0


def get_article(session: Session, key: str | int) -> dict[str, Any] | None:
    """One article by id or URL, with its headline links and earlier versions."""
    stmt = select(Article).options(selectinload(Article.headlines), selectinload(Article.versions))
    if isinstance(key, int) or str(key).isdigit():
        stmt = stmt.where(Article.id == int(key))
    else:
        stmt = stmt.where(Article.url.in_({str(key), canonicalize(str(key))}))
    article = session.scalars(stmt).first()
    if article is None:
        return None
    record = article_record(article)
    record["headline_links"] = [{"text": h.text, "url": h.url} for h in article.headlines]
    record["versions"] = [
        {"version": v.version, "title": v.title, "fetched_at": iso(v.fetched_at), "body": v.body}
        for v in article.versions
    ]
    return record


def run_record(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "pages": run.pages,
        "stored": run.stored,
        "updated": run.updated,
        "duplicates": run.duplicates,
        "skipped": run.skipped,
        "errors": run.errors,
        "message": run.message,
    }


def list_runs(session: Session, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    stmt = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    if source:
        stmt = stmt.where(CrawlRun.source == source)
    return [run_record(r) for r in session.scalars(stmt)]


def last_runs(session: Session) -> dict[str, dict[str, Any]]:
    """Each source's latest run."""
    latest = select(CrawlRun.source, func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source).subquery()
    rows = session.scalars(select(CrawlRun).join(latest, CrawlRun.id == latest.c.id))
    return {r.source: run_record(r) for r in rows}


FAILING_AFTER = 3  # consecutive failed runs that flag a source
IDLE_AFTER = 10  # consecutive finished runs that stored nothing new


def source_health(session: Session, source: str) -> str:
    """'ok', or why the source needs a look: its last runs all failed, or none of them stored anything."""
    recent = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.source == source, CrawlRun.status != "running")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(max(FAILING_AFTER, IDLE_AFTER))
    ).all()
    failed = recent[:FAILING_AFTER]
    if len(failed) == FAILING_AFTER and all(r.status in ("failed", "timeout") for r in failed):
        return f"failing: last {FAILING_AFTER} runs {failed[0].status} ({failed[0].message[:120]})"
    idle = recent[:IDLE_AFTER]
    if len(idle) == IDLE_AFTER and all(r.stored == 0 and r.updated == 0 for r in idle):
        return f"idle: last {IDLE_AFTER} runs stored nothing new"
    return "ok"
