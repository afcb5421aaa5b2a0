"""Full-text search on both backends: phrases, prefixes, OR, exclusions, relevance order, snippets, and
the filters that go with it."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from pipelines.fingerprints import content_hash, minhash
from storage.articles import NewArticle, insert_article
from storage.db import connect
from storage.queries import ArticleFilter, count_articles, list_articles
from storage.search import parse, to_fts5, to_tsquery

ARTICLES: dict[str, tuple[str, str, str, list[tuple[str, str | None]]]] = {
    "https://city.example/harbour": (
        "Harbour tunnel opens",
        "The harbour tunnel opened on Monday after six years of digging under the bay.",
        "en",
        [("Bridge tolls rise", None)],
    ),
    "https://city.example/ferry": (
        "Ferry timetable changes",
        "The ferry to the harbour islands leaves earlier from Monday, the port authority said.",
        "en-GB",
        [],
    ),
    "https://city.example/climate": (
        "Climate summit ends",
        "Delegates at the climate summit agreed on climatology funding but not on coal.",
        "en",
        [],
    ),
    "https://ville.example/port": (
        "Le port rouvre",
        "Le port de la ville rouvre lundi après des travaux dans le tunnel du harbour.",
        "fr",
        [("Autre titre", None)],
    ),
}


@pytest.fixture
def store(db_url: str) -> Session:
    return make_store(db_url)


def make_store(db_url: str) -> Session:
    engine = connect(db_url)
    with Session(engine) as s, s.begin():
        for i, (url, (title, body, language, headlines)) in enumerate(ARTICLES.items()):
            insert_article(
                s,
                NewArticle(
                    source="city",
                    url=url,
                    title=title,
                    authors=[],
                    published_at=datetime(2026, 11, 1 + i),
                    language=language,
                    body=body,
                    content_hash=content_hash(title, body),
                    minhash=minhash(body),
                    headlines=headlines,
                ),
            )
    return Session(engine)


def urls(session: Session, **kwargs: object) -> list[str]:
    return [r["url"].rsplit("/", 1)[1] for r in list_articles(session, ArticleFilter(**kwargs))]  # type: ignore[arg-type]


def test_search_syntax_is_parsed_into_terms_and_nothing_else() -> None:
    query = parse('"harbour tunnel" climat* OR ferry -coal NOT bay; DROP TABLE')
    assert to_fts5(query) == (
        '("harbour tunnel" AND "climat"*) OR ("ferry" AND "drop" AND "table" NOT "coal" NOT "bay")'
    )
    assert to_tsquery(query) == (
        "(('harbour' <-> 'tunnel') & 'climat':*) | ('ferry' & !'coal' & !'bay' & 'drop' & 'table')"
    )
    assert parse('"" -- OR ; *') == []


def test_phrases_prefixes_or_and_exclusions(store: Session) -> None:
    with store as s:
        assert urls(s, search="harbour tunnel") == ["port", "harbour"]
        assert urls(s, search='"harbour tunnel"') == ["harbour"]
        assert urls(s, search="climat*") == ["climate"]
        assert urls(s, search="ferry OR summit") == ["climate", "ferry"]
        assert urls(s, search="harbour -tunnel") == ["ferry"]
        assert urls(s, search='harbour"; DROP TABLE articles; --') == []
        assert count_articles(s, ArticleFilter(search="harbour")) == 3


def test_relevance_order_and_snippets(store: Session) -> None:
    with store as s:
        # "tunnel" in the title and the body outranks "tunnel" once in a longer body.
        assert urls(s, search="tunnel", sort="relevance") == ["harbour", "port"]
        (record,) = list_articles(s, ArticleFilter(search="digging"))
        assert "[digging]" in record["snippet"]


def test_language_and_headline_filters(store: Session) -> None:
    with store as s:
        assert urls(s, language="en") == ["climate", "ferry", "harbour"]  # en-GB is English too
        assert urls(s, language="fr") == ["port"]
        assert urls(s, has_headlines=True) == ["port", "harbour"]
        assert urls(s, has_headlines=False, language="en") == ["climate", "ferry"]


def test_postgresql_search_stems_words_in_the_articles_language(postgres_url: str) -> None:
    # (SQLite's FTS5 index matches words as written.)
    with make_store(postgres_url) as s:
        # "opened" and "islands" are stemmed as English; the French article's "rouvre" as French.
        assert urls(s, search="opening") == ["harbour"]
        assert urls(s, search="island") == ["ferry"]
        assert urls(s, search="rouvrir", language="fr") == ["port"]


def test_the_migration_indexes_languages_as_the_queries_search_them() -> None:
    import importlib.util

    from storage import search
    from storage.db import MIGRATIONS

    path = MIGRATIONS / "versions" / "0004_language_aware_search.py"
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.LANGUAGE_CONFIGS == search.LANGUAGE_CONFIGS
    assert search.config_sql("language") == migration.CONFIG
