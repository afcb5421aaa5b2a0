"""Per-item cost of the duplicate checks and of the insert as the store grows (10k, 100k, 1M articles).

One store is filled in steps with generated articles (bulk inserts: short bodies, random signatures,
their band keys and seen-URL rows, as the crawl writes them). At each size the same kind of probe items
go through what the crawl does per article, timed separately:

  exact   the seen-URL check of the downloader middleware, the URL lookup and the content-hash lookup
  near    the MinHash LSH lookup (half the probes are copies of a stored article, half new texts)
  insert  the article, its band keys and its seen URLs, one transaction per article

The cost must stay flat: the last column gives each size's cost over the smallest size's.

    python -m benchmarks.dedupe_scale [--sizes 10000,100000,1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from storage.articles import (
    NewArticle,
    ensure_source,
    find_near_duplicate,
    insert_article,
    is_seen,
    mark_seen,
    same_text,
    stored_hash,
)
from storage.db import connect
from storage.fingerprints import NUM_PERM, band_keys, content_hash, minhash
from storage.models import Article, ArticleBand, SeenUrl
from storage.scratch import scratch_postgres

WORDS = [f"w{i}" for i in range(5000)]
BATCH = 5000
PROBES = 300


def fill(engine: Engine, start: int, stop: int, rng: np.random.Generator) -> None:
    """Generated articles start..stop-1 (ids in order), with band keys and seen URLs."""
    when = datetime(2026, 1, 1)
    with Session(engine) as session, session.begin():
        source_id = ensure_source(session, "bench")
    for lo in range(start, stop, BATCH):
        hi = min(stop, lo + BATCH)
        signatures = rng.integers(0, 2**32, size=(hi - lo, NUM_PERM), dtype=np.uint32)
        articles: list[dict] = []
        bands: list[dict] = []
        seen: list[dict] = []
        for k, i in enumerate(range(lo, hi)):
            signature = signatures[k].astype("<u4").tobytes()
            url = f"https://bench.example/{i}"
            stamp = when + timedelta(seconds=i)
            articles.append(
                {
                    "id": i + 1,
                    "source_id": source_id,
                    "url": url,
                    "title": f"Article {i}",
                    "authors": [],
                    "body": f"Generated article {i} for the scale benchmark.",
                    "content_hash": hashlib.sha256(url.encode()).hexdigest(),
                    "minhash": signature,
                    "first_seen_at": stamp,
                    "fetched_at": stamp,
                    "sort_at": stamp,
                    "version": 1,
                }
            )
            bands.extend({"key": key, "article_id": i + 1} for key in set(band_keys(signature)))
            seen.append({"source_id": source_id, "url": url, "article_id": i + 1, "fetched_at": stamp})
        with engine.begin() as conn:
            conn.execute(insert(Article), articles)
            conn.execute(insert(ArticleBand), bands)
            conn.execute(insert(SeenUrl), seen)
            if conn.dialect.name == "postgresql":  # ids were given: move the sequence past them
                conn.execute(text("SELECT setval(pg_get_serial_sequence('articles', 'id'), :n)"), {"n": hi})
        print(f"\r  filling: {hi:,} articles", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def probe_items(size: int, seed: int) -> list[NewArticle]:
    rng = random.Random(seed)
    items = []
    for k in range(PROBES):
        body = " ".join(rng.choice(WORDS) for _ in range(300))
        url = f"https://bench.example/probe-{size}-{k}"
        items.append(
            NewArticle(
                source="bench",
                url=url,
                title=f"Probe {k}",
                authors=[],
                published_at=None,
                language=None,
                body=body,
                content_hash=content_hash(url, body),
                minhash=minhash(body),
            )
        )
    return items


def copy_of_stored(engine: Engine, size: int, rng: random.Random) -> bytes:
    """A stored article's signature with a quarter of its slots changed (an edited copy)."""
    with Session(engine) as session:
        signature = session.scalar(select(Article.minhash).where(Article.id == rng.randrange(1, size)))
    assert signature is not None
    values = np.frombuffer(signature, "<u4").copy()
    for slot in rng.sample(range(NUM_PERM), NUM_PERM // 4):
        values[slot] = rng.randrange(2**32)
    return values.astype("<u4").tobytes()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(engine: Engine, size: int) -> dict[str, float]:
    """Median microseconds per probe item for each step."""
    rng = random.Random(size)
    items = probe_items(size, size)
    copies = [copy_of_stored(engine, size, rng) for _ in range(PROBES // 2)]
    exact, near, store, found = [], [], [], 0
    for k, item in enumerate(items):
        signature = copies[k // 2] if k % 2 == 0 else item.minhash
        with Session(engine) as session:
            start = time.perf_counter()
            is_seen(session, "bench", item.url, None)
            stored_hash(session, item.url)
            same_text(session, item.content_hash)
            exact.append(time.perf_counter() - start)
            start = time.perf_counter()
            found += find_near_duplicate(session, signature) is not None
            near.append(time.perf_counter() - start)

        def write(a: NewArticle = item) -> None:
            with Session(engine) as session, session.begin():
                article_id = insert_article(session, a)
                mark_seen(session, a.source, [a.url], article_id)

        store.append(timed(write))
    assert found >= len(copies) * 0.9, f"only {found} of {len(copies)} copies found"
    return {
        name: statistics.median(v) * 1e6 for name, v in (("exact", exact), ("near", near), ("insert", store))
    }


def run(url: str, label: str, sizes: list[int]) -> list[tuple[int, dict[str, float]]]:
    engine = connect(url)
    rng = np.random.default_rng(7)
    rows = []
    stored = 0
    for size in sizes:
        fill(engine, stored, size, rng)
        with Session(engine) as session:
            stored = session.scalar(select(func.max(Article.id))) or 0
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        rows.append((size, measure(engine, size)))
        stored += PROBES
        print(f"  {label} {size:>9,}: " + ", ".join(f"{k} {v:,.0f} us" for k, v in rows[-1][1].items()))
    engine.dispose()
    return rows


def report(label: str, rows: list[tuple[int, dict[str, float]]]) -> None:
    first = rows[0][1]
    print(
        f"\nDuplicate checks and insert per item, {label} (median of {PROBES} items; x = over {rows[0][0]:,})"
    )
    print(f"  {'stored':>10} {'exact':>14} {'near':>14} {'insert':>14}")
    for size, r in rows:
        cells = " ".join(f"{r[k]:>7,.0f} us {r[k] / first[k]:>4.2f}x" for k in ("exact", "near", "insert"))
        print(f"  {size:>10,} {cells}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--postgres", default=os.environ.get("NEWSDESK_TEST_POSTGRES"), help="also run here")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite", run(f"sqlite:///{Path(tmp) / 'scale.db'}", "SQLite", sizes))
    if args.postgres:
        with scratch_postgres(args.postgres, prefix="newsdesk_bench") as url:
            report("PostgreSQL", run(url, "PostgreSQL", sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
