"""An article's rows as each backend writes them: the INSERT ... ON CONFLICT statements of the articles, their
seen URLs, band keys and headlines, built once per backend; on PostgreSQL the many rows of one article in one
statement, every column an array."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from storage.models import Article, ArticleBand, Headline, SeenUrl


@functools.cache
def _statements(dialect: str) -> dict[str, Any]:
    """The backend's INSERT ... ON CONFLICT statements (both speak it), built once. On PostgreSQL the
    statements that write many rows of an article (band keys, headlines, seen URLs) take each column as
    one array (see write_rows)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    articles, seen_urls = cast(Table, Article.__table__), cast(Table, SeenUrl.__table__)
    bands, headlines = cast(Table, ArticleBand.__table__), cast(Table, Headline.__table__)
    if dialect == "postgresql":
        seen = insert(seen_urls).from_select(
            ["source_id", "url", "article_id", "fetched_at"],
            select(
                bindparam("source_id", type_=Integer),
                _unnest("url", String),
                bindparam("article_id", type_=Integer),
                bindparam("fetched_at", type_=DateTime),
            ),
        )
        band = insert(bands).from_select(
            ["key", "article_id"], select(_unnest("key", BigInteger), bindparam("article_id", type_=Integer))
        )
        headline = insert(headlines).from_select(
            ["article_id", "position", "text", "url"],
            select(
                bindparam("article_id", type_=Integer),
                _unnest("position", Integer),
                _unnest("text", Text),
                _unnest("url", String),
            ),
        )
    else:
        seen, band, headline = insert(seen_urls), insert(bands), insert(headlines)
    return {
        "article": insert(articles).on_conflict_do_nothing(index_elements=["url"]).returning(articles.c.id),
        "seen": seen.on_conflict_do_update(
            index_elements=["source_id", "url"],
            set_={"article_id": seen.excluded.article_id, "fetched_at": seen.excluded.fetched_at},
        ),
        "band": band,
        "headline": headline,
    }


def _unnest(column: str, of: type[TypeEngine[Any]]) -> ColumnElement[Any]:
    """The rows of the array bound as `column` (PostgreSQL: arrays of one length unnest side by side)."""
    return func.unnest(bindparam(column, type_=postgresql.ARRAY(of)))


def statement(session: Session, name: str) -> Any:
    return _statements(session.get_bind().dialect.name)[name]


def write_rows(session: Session, name: str, same: dict[str, Any], columns: dict[str, list[Any]]) -> None:
    """Insert rows with the `same` values and each of the others from its list in `columns` (lists of one
    length). PostgreSQL takes them in one statement, each column an array: sent a row at a time
    (executemany), they took a third of the crawl process's CPU for writing articles. SQLite runs the rows
    of one statement in C."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(statement(session, name), same | columns)
    else:
        session.execute(
            statement(session, name),
            [same | dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)],
        )
