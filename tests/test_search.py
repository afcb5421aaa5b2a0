"""Full-text search on both backends: phrases, prefixes, OR, exclusions, relevance order, snippets, and
the filters that go with it."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from storage.articles import NewArticle, insert_article
from storage.db import connect
from storage.fingerprints import content_hash, minhash
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
    # Restricted to the title's words (weight A), as relevance ranks title matches first.
    assert to_tsquery(parse('"harbour tunnel" climat*'), weight="A") == (
        "(('harbour':A <-> 'tunnel':A) & 'climat':A*)"
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


def test_relevance_puts_title_matches_first_and_pages_through_all_matches(db_url: str) -> None:
    engine = connect(db_url)
    stories = {
        **{f"title{i}": (f"Tunnel works, part {i}", f"Crews kept at it on day {i}.") for i in range(3)},
        **{
            f"body{i}": (f"City news {i}", " ".join(["The tunnel under the river was busy."] * (i + 1)))
            for i in range(4)
        },
    }
    with Session(engine) as s, s.begin():
        for i, (slug, (title, body)) in enumerate(stories.items()):
            insert_article(
                s,
                NewArticle(
                    source="city",
                    url=f"https://city.example/{slug}",
                    title=title,
                    authors=[],
                    published_at=datetime(2026, 11, 1 + i),
                    language="en",
                    body=body,
                    content_hash=content_hash(title, body),
                    minhash=minhash(body),
                    headlines=[],
                ),
            )
    with Session(engine) as s:
        everything = urls(s, search="tunnel", sort="relevance", limit=None)
        assert sorted(everything[:3]) == ["title0", "title1", "title2"]
        assert sorted(everything[3:]) == ["body0", "body1", "body2", "body3"]
        # Page by page (a page within the title matches, one across, one after) gives the same order.
        pages = [urls(s, search="tunnel", sort="relevance", limit=2, offset=o) for o in range(0, 8, 2)]
        assert [slug for page in pages for slug in page] == everything
    engine.dispose()


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


def test_postgresql_ranks_a_page_through_the_title_index(postgres_url: str) -> None:
    # The index's expression and the query's must be the same, or a relevance search reads every match.
    from sqlalchemy import event, text

    store = make_store(postgres_url)
    engine = store.get_bind()
    statements: list[tuple[str, object]] = []
    record = lambda *a: statements.append((a[2], a[3]))  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    with store as s:
        assert urls(s, search="tunnel", sort="relevance", limit=1, with_duplicates=True) == ["harbour"]
        event.remove(engine, "before_cursor_execute", record)
        # Only the title index left to choose (in a transaction rolled back): it serves, or the plan is
        # a sequential scan, however costly it is made.
        s.execute(text("DROP INDEX ix_articles_search_vector"))
        s.execute(text("SET LOCAL enable_seqscan = off"))
        s.execute(text("SET LOCAL enable_indexscan = off"))
        plans = [
            "\n".join(r[0] for r in s.connection().exec_driver_sql("EXPLAIN " + sql, params))  # type: ignore[arg-type]
            for sql, params in statements
            if "to_tsvector" in sql
        ]
        s.rollback()
    assert plans and "ix_articles_title_vector" in plans[0]


def test_the_migration_indexes_languages_as_the_queries_search_them() -> None:
    from storage import search
    from storage.migrations.frozen import revision_module

    migration = revision_module("0004_language_aware_search.py")
    assert migration.LANGUAGE_CONFIGS == search.LANGUAGE_CONFIGS
    assert search.config_sql("language") == migration.CONFIG
