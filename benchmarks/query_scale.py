"""Query latency at a million articles, on SQLite and PostgreSQL: what `newsdesk query` and the web pages
ask, timed through storage.queries (the same functions), p50 and p95 over many runs.

Articles are generated: 10 sources, dates spread over two years, titles and 120-word bodies drawn from a
20,000-word vocabulary with Zipf-like frequencies (so search terms range from rare to very common), a
third with a headline list. Queries (top 20 each):

  search           one word of middling frequency, newest first
  search 2 words   two such words (both must match), newest first
  search relevance one word, most relevant first
  relevance p.250  the same, results 4,981 to 5,000
  relevance common one of the 20 most common words (in 40-100% of the articles), most relevant first
  source + dates   one source, a random 30-day window, newest first
  article          one article by id, with headlines and versions

    python -m benchmarks.query_scale [--articles 1000000] [--runs 60] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from storage.articles import ensure_source
from storage.db import connect
from storage.models import Article, Headline
from storage.queries import ArticleFilter, list_articles
from storage.records import get_article
from storage.scratch import scratch_postgres

BATCH = 5000
VOCABULARY = 20_000
SOURCES = [f"source{i}" for i in range(10)]
START = datetime(2025, 1, 1)


def word(rank: int) -> str:
    return f"w{rank}x"


@contextmanager
def bulk_load(engine: Engine) -> Iterator[None]:
    """The full-text index built once after the load instead of row by row (as a restore would): the
    SQLite triggers or the PostgreSQL GIN index are set aside and put back exactly as they were."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            saved = conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'ix_articles_search_vector'"
                )
            ).all()
            for name, _ in saved:
                conn.execute(text(f"DROP INDEX {name}"))
        else:
            saved = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'")
            ).all()
            for name, _ in saved:
                conn.execute(text(f"DROP TRIGGER {name}"))
    yield
    with engine.begin() as conn:
        for _, sql in saved:
            conn.execute(text(sql))
        if conn.dialect.name == "sqlite":
            conn.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')"))


def fill(engine: Engine, count: int) -> None:
    with bulk_load(engine):
        _generate(engine, count)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


def _generate(engine: Engine, count: int) -> None:
    rng = random.Random(3)
    draw = np.random.default_rng(3)
    # Zipf-like: rank r drawn with weight 1/r.
    weights = np.array([1 / r for r in range(1, VOCABULARY + 1)])
    words = np.array([word(r) for r in range(1, VOCABULARY + 1)])
    with Session(engine) as session, session.begin():
        ids = {name: ensure_source(session, name) for name in SOURCES}
    for lo in range(0, count, BATCH):
        hi = min(count, lo + BATCH)
        drawn = draw.choice(words, size=(hi - lo) * 128, p=weights / weights.sum()).tolist()
        articles: list[dict] = []
        headlines: list[dict] = []
        for k, i in enumerate(range(lo, hi)):
            chunk = drawn[k * 128 : (k + 1) * 128]
            stamp = START + timedelta(seconds=rng.randrange(2 * 365 * 86400))
            articles.append(
                {
                    "id": i + 1,
                    "source_id": ids[SOURCES[i % len(SOURCES)]],
                    "url": f"https://bench.example/{i}",
                    "title": " ".join(chunk[:8]),
                    "authors": [],
                    "language": "en",
                    "body": " ".join(chunk[8:]),
                    "content_hash": f"{i:064x}",
                    "published_at": stamp,
                    "first_seen_at": stamp,
                    "fetched_at": stamp,
                    "sort_at": stamp,
                    "version": 1,
                }
            )
            if i % 3 == 0:
                headlines.extend(
                    {"article_id": i + 1, "position": p, "text": f"Headline {p} of {i}", "url": None}
                    for p in range(3)
                )
        with engine.begin() as conn:
            conn.execute(insert(Article), articles)
            conn.execute(insert(Headline), headlines)
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT setval(pg_get_serial_sequence('articles', 'id'), :n)"), {"n": hi})
        print(f"\r  filling: {hi:,} articles", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def size_per_article(engine: Engine, count: int, path: Path | None) -> float:
    if path is not None:
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    else:
        with engine.connect() as conn:
            total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return total / count


def measure(engine: Engine, count: int, runs: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(11)
    middling = [word(r) for r in range(200, 2000)]  # each in a few percent of the articles

    def search_one() -> ArticleFilter:
        return ArticleFilter(search=rng.choice(middling), limit=20)

    def search_two() -> ArticleFilter:
        return ArticleFilter(search=f"{rng.choice(middling)} {rng.choice(middling)}", limit=20)

    def relevance() -> ArticleFilter:
        return ArticleFilter(search=rng.choice(middling), limit=20, sort="relevance")

    def source_dates() -> ArticleFilter:
        since = START + timedelta(days=rng.randrange(700))
        return ArticleFilter(
            source=rng.choice(SOURCES), since=since, until=since + timedelta(days=30), limit=20
        )

    cases: dict[str, Callable[[Session], object]] = {
        "search": lambda s: list_articles(s, search_one()),
        "search 2 words": lambda s: list_articles(s, search_two()),
        "search relevance": lambda s: list_articles(s, relevance()),
        "relevance p.250": lambda s: list_articles(s, replace(relevance(), offset=4980)),
        "relevance common": lambda s: list_articles(
            s, ArticleFilter(search=word(rng.randrange(1, 21)), limit=20, sort="relevance")
        ),
        "source + dates": lambda s: list_articles(s, source_dates()),
        "article": lambda s: get_article(s, rng.randrange(1, count)),
    }
    results = {}
    with Session(engine) as session:
        # The index is complete: a middling word is found as often as the generator put it in.
        assert len(list_articles(session, ArticleFilter(search=word(500), limit=20))) == 20
        for name, case in cases.items():
            for _ in range(3):  # warm the caches a little
                case(session)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                case(session)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            results[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
    return results


def report(label: str, count: int, size: float, results: dict[str, tuple[float, float]]) -> None:
    print(f"\n{label}, {count:,} articles, {size / 1024:.1f} KiB per article on disk")
    print(f"  {'query (top 20)':18} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in results.items():
        print(f"  {name:18} {p50:>8.1f} {p95:>8.1f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--postgres", default=os.environ.get("NEWSDESK_TEST_POSTGRES"), help="also run here")
    ap.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    args = ap.parse_args(argv)
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "query.db"
            engine = connect(f"sqlite:///{path}")
            fill(engine, args.articles)
            size = size_per_article(engine, args.articles, path)
            report("SQLite", args.articles, size, measure(engine, args.articles, args.runs))
            engine.dispose()
    if args.postgres:
        with scratch_postgres(args.postgres, prefix="newsdesk_bench") as url:
            engine = connect(url)
            fill(engine, args.articles)
            size = size_per_article(engine, args.articles, None)
            report("PostgreSQL", args.articles, size, measure(engine, args.articles, args.runs))
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
