"""Read side for the CLI and the web: queries take a session, never commit, and return plain records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, selectinload

from storage import search
from storage.models import Article, ArticleVersion, Headline, Source
from storage.records import article_record, version_record

SORTS = ("newest", "relevance")


@dataclass
class ArticleFilter:
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    with_duplicates: bool = False
    limit: int | None = 50
    offset: int = 0
    language: str | None = None  # "en" also matches "en-GB"
    has_headlines: bool | None = None
    sort: str = "newest"  # or "relevance" (with a search)
    edited_since: datetime | None = None  # only articles their publisher edited since (a fetched version)


SQLITE_FTS: ColumnElement[Any] = literal_column("articles_fts")
FTS_TABLE = table("articles_fts", column("rowid"))
FTS_ROWID: ColumnElement[Any] = literal_column("articles_fts.rowid")
POSTGRES_VECTOR: ColumnElement[Any] = literal_column("articles.search_vector")


@dataclass
class _Search:
    """What a search adds to a query: its condition, a relevance (higher is better) and a snippet."""

    condition: ColumnElement[bool]
    relevance: ColumnElement[Any]
    snippet: ColumnElement[Any]
    joins_fts: bool
    # PostgreSQL: relevance puts the articles whose title alone matches first (`title_first`, read from
    # the search vector's title-weighted words); `in_title` finds the same ones through the title index.
    title_first: ColumnElement[bool] | None = None
    in_title: ColumnElement[bool] | None = None


def _search(session: Session, f: ArticleFilter) -> _Search | None:
    query = search.parse(f.search or "")
    if not query:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Each article is indexed in its own language's configuration and searched in the same one: one
        # indexed branch per configuration (only the filtered language's, with --language). A query made
        # of all configurations at once would be wrong for exclusions (-word stemmed another way).
        configs = (
            [search.config_for(f.language)]
            if f.language
            else sorted({*search.LANGUAGE_CONFIGS.values(), search.FALLBACK_CONFIG})
        )
        text_query = bindparam("q", search.to_tsquery(query), type_=String)
        article_config: ColumnElement[Any] = literal_column(search.config_sql("articles.language"))
        queries = {c: func.to_tsquery(literal(c, type_=REGCONFIG), text_query) for c in configs}
        condition = or_(
            *(
                and_(article_config == literal(c, type_=REGCONFIG), POSTGRES_VECTOR.op("@@")(q))
                for c, q in queries.items()
            )
        )
        # As indexed by ix_articles_title_vector (the expression must be the same to use it).
        title_vector = func.to_tsvector(article_config, literal_column("coalesce(articles.title, '')"))
        in_title = or_(
            *(
                and_(article_config == literal(c, type_=REGCONFIG), title_vector.op("@@")(q))
                for c, q in queries.items()
            )
        )
        tsquery: ColumnElement[Any] = func.to_tsquery(article_config, text_query)
        title_query = bindparam("q_title", search.to_tsquery(query, weight="A"), type_=String)
        title_first = POSTGRES_VECTOR.op("@@")(func.to_tsquery(article_config, title_query))
        return _Search(
            condition,
            func.ts_rank(POSTGRES_VECTOR, tsquery),
            func.ts_headline(
                article_config,
                Article.body,
                tsquery,
                "StartSel=[, StopSel=], MaxWords=30, MinWords=12, MaxFragments=1",
            ),
            False,
            title_first,
            in_title,
        )
    return _Search(
        SQLITE_FTS.op("MATCH")(bindparam("q", search.to_fts5(query))),
        -func.bm25(SQLITE_FTS, 3.0, 1.0),  # title words weigh three times a body word's
        func.snippet(SQLITE_FTS, 1, "[", "]", "…", 24),
        True,
    )


def _filtered(f: ArticleFilter, found: _Search | None, *columns: Any) -> Select[Any]:
    stmt = select(Article, *columns).join(Source)
    if found is not None and found.joins_fts:
        stmt = stmt.join(FTS_TABLE, Article.id == FTS_ROWID)
    if found is not None:
        stmt = stmt.where(found.condition)
    return _narrowed(stmt, f)


def _narrowed(stmt: Select[Any], f: ArticleFilter) -> Select[Any]:
    """The filters other than the search."""
    if f.source:
        stmt = stmt.where(
            Article.source_id == select(Source.id).where(Source.name == f.source).scalar_subquery()
        )
    if f.since:
        stmt = stmt.where(Article.sort_at >= f.since)
    if f.until:
        stmt = stmt.where(Article.sort_at <= f.until)
    if not f.with_duplicates:
        stmt = stmt.where(Article.duplicate_of.is_(None))
    if f.language:
        # "en" also matches "en-GB"; the language is matched as written (% and _ are not wildcards).
        prefix = f.language.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            or_(Article.language == f.language, Article.language.like(f"{prefix}-%", escape="\\"))
        )
    if f.has_headlines is not None:
        listed = exists(select(Headline.id).where(Headline.article_id == Article.id))
        stmt = stmt.where(listed if f.has_headlines else ~listed)
    if f.edited_since is not None:
        stmt = stmt.where(Article.version > 1, Article.fetched_at >= f.edited_since, publisher_edit())
    return stmt


def publisher_edit() -> ColumnElement[bool]:
    """The article's current text came from fetching its page again, not from re-running extraction."""
    return or_(Article.origin.is_(None), Article.origin != "reextracted")


def recent_edits(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """The articles their publisher edited last (by the time the new text was fetched), those whose
    title changed first, each with its earlier versions (as get_article gives them)."""
    earlier = ArticleVersion
    rows = session.execute(
        select(Article, (earlier.title != Article.title).label("retitled"))
        .join(earlier, (earlier.article_id == Article.id) & (earlier.version == Article.version - 1))
        .where(Article.version > 1, publisher_edit(), Article.duplicate_of.is_(None))
        .options(selectinload(Article.headlines), selectinload(Article.versions))
        .order_by(Article.fetched_at.desc(), Article.id.desc())
        .limit(limit)
    ).all()
    records = []
    for article, retitled in sorted(rows, key=lambda r: not r[1]):  # stable: newest first within each
        record = article_record(article)
        record["versions"] = [version_record(v) for v in article.versions]
        record["title_changed"] = bool(retitled)
        records.append(record)
    return records


def _matching_ids(f: ArticleFilter, found: _Search) -> Select[Any]:
    """SQLite: the ids of the matching articles, newest first, through the FTS index and the narrow
    ix_articles_listing index only."""
    matching = select(FTS_ROWID).select_from(FTS_TABLE).where(found.condition)
    ids = select(Article.id).where(Article.id.in_(matching))
    return _narrowed(ids.order_by(Article.sort_at.desc(), Article.id.desc()), f)


def _most_relevant_ids(session: Session, f: ArticleFilter, found: _Search) -> list[int]:
    """SQLite: the page's ids, most relevant first. FTS5 ranks its own matches fast; the filters then
    keep some of the best candidates, and more candidates are ranked only when too few were kept."""
    want = f.offset + (f.limit or 0)
    candidates = max(100, 4 * want)
    while True:
        ranked = list(
            session.scalars(
                select(FTS_ROWID)
                .select_from(FTS_TABLE)
                .where(found.condition)
                .order_by(found.relevance.desc(), FTS_ROWID.desc())
                .limit(candidates)
            )
        )
        kept = set(session.scalars(_narrowed(select(Article.id).where(Article.id.in_(ranked)), f)))
        ordered = [i for i in ranked if i in kept]
        if len(ordered) >= want or len(ranked) < candidates:
            return ordered[f.offset : want]
        candidates *= 4


def _ordered(f: ArticleFilter, found: _Search | None) -> Select[Any]:
    columns = (found.snippet.label("snippet"),) if found is not None else ()
    stmt = _filtered(f, found, *columns)
    if f.sort == "relevance" and found is not None:
        stmt = stmt.order_by(*_by_relevance(found))
    else:
        stmt = stmt.order_by(Article.sort_at.desc(), Article.id.desc())
    stmt = stmt.options(selectinload(Article.headlines), selectinload(Article.source)).offset(f.offset)
    return stmt.limit(f.limit) if f.limit is not None else stmt


def _by_relevance(found: _Search) -> list[ColumnElement[Any]]:
    first = [found.title_first.desc()] if found.title_first is not None else []
    return [*first, found.relevance.desc(), Article.id.desc()]


def _relevant_page(session: Session, f: ArticleFilter, found: _Search) -> list[int]:
    """PostgreSQL, the ids of a page by relevance. The matches whose title matches come first, and they
    are found through the title index alone; every match is ranked only when these do not fill the page.
    Either way the ranking sorts ids, not whole rows."""
    assert f.limit is not None and found.in_title is not None
    want = f.offset + f.limit
    ranked = _narrowed(select(Article.id).where(found.condition), f).order_by(*_by_relevance(found))
    ids = list(session.scalars(ranked.where(found.in_title).limit(want)))
    if len(ids) < want:
        ids = list(session.scalars(ranked.limit(want)))
    return ids[f.offset :]


def _search_page(session: Session, f: ArticleFilter, found: _Search) -> Iterator[dict[str, Any]]:
    """SQLite, one page of a search: the page's ids through the FTS index and the narrow listing index
    (no wide article row read for the matches that are not shown), then those rows, then their snippets
    one by one (FTS5 finds a row by id and match at once; a join would walk every match)."""
    if f.sort == "relevance":
        ids = _most_relevant_ids(session, f, found)
    else:
        ids = list(session.scalars(_matching_ids(f, found).offset(f.offset).limit(f.limit)))
    rows = session.scalars(
        select(Article)
        .where(Article.id.in_(ids))
        .options(selectinload(Article.headlines), selectinload(Article.source))
    )
    by_id = {a.id: a for a in rows}
    for article_id in ids:
        record = article_record(by_id[article_id])
        record["snippet"] = session.scalar(
            select(found.snippet).select_from(FTS_TABLE).where(found.condition, FTS_ROWID.op("=")(article_id))
        )
        yield record


def list_articles(session: Session, f: ArticleFilter) -> list[dict[str, Any]]:
    """Matching articles (newest first, or most relevant first); with a search each record also has a
    `snippet` of the body around the matches, matched words in [brackets]."""
    return list(iter_articles(session, f))


def iter_articles(session: Session, f: ArticleFilter, batch: int = 0) -> Iterator[dict[str, Any]]:
    """As list_articles, streamed `batch` rows at a time when batch > 0 (constant memory for exports)."""
    found = _search(session, f) if f.search else None
    if found is not None and found.joins_fts and f.limit is not None:
        yield from _search_page(session, f, found)
        return
    stmt = _ordered(f, found)
    if found is not None and found.in_title is not None and f.sort == "relevance" and f.limit is not None:
        stmt = stmt.where(Article.id.in_(_relevant_page(session, f, found))).offset(None)
    result = session.execute(stmt.execution_options(yield_per=batch) if batch else stmt)
    for row in result:
        record = article_record(row[0])
        if len(row) > 1:
            record["snippet"] = row[1]
        yield record


def count_articles(session: Session, f: ArticleFilter) -> int:
    found = _search(session, f) if f.search else None
    if found is not None and found.joins_fts:
        stmt = _matching_ids(f, found).order_by(None)
    else:
        stmt = _filtered(f, found).with_only_columns(Article.id)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def day_counts(counted: dict[str, int], last: date, days: int) -> list[tuple[str, int]]:
    """(YYYY-MM-DD, count) for each of the `days` days up to `last`, days without any included."""
    chosen = [last - timedelta(days=n) for n in range(days - 1, -1, -1)]
    return [(d.isoformat(), counted.get(d.isoformat(), 0)) for d in chosen]


def matches_per_day(session: Session, f: ArticleFilter, days: int = 30) -> list[tuple[str, int]]:
    """How many articles match `f` on each of the last `days` days of its window (which ends at its
    `until`, or today)."""
    last = (f.until or datetime.now(UTC).replace(tzinfo=None)).date()
    start = datetime.combine(last - timedelta(days=days - 1), clock.min)
    window = replace(f, since=max(f.since, start) if f.since else start, limit=None, offset=0)
    day = func.date(Article.sort_at)
    found = _search(session, window) if window.search else None
    if found is not None and found.joins_fts:
        stmt = _matching_ids(window, found).order_by(None)
    else:
        stmt = _filtered(window, found)
    counted = {str(d): n for d, n in session.execute(stmt.with_only_columns(day, func.count()).group_by(day))}
    return day_counts(counted, last, days)


def source_names(session: Session) -> list[str]:
    return list(session.scalars(select(Source.name).order_by(Source.name)))
