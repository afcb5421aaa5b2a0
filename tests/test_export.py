"""`newsdesk query` filters and fields, and `newsdesk export` streaming any number of articles: the real
command in a subprocess, on a store filled directly."""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from storage.articles import ensure_source
from storage.db import connect
from storage.models import Article, Headline
from tests.conftest import newsdesk

WORDS = "harbour ferry council budget storm bridge rail museum election market school river".split()


def fill(db_url: str, count: int, body_words: int = 20) -> None:
    engine = connect(db_url)
    rng = random.Random(count)
    with engine.begin() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            source_id = ensure_source(session, "city")
        for lo in range(0, count, 2000):
            rows = []
            for i in range(lo, min(count, lo + 2000)):
                stamp = datetime(2026, 1, 1) + timedelta(minutes=i)
                body = " ".join(rng.choice(WORDS) for _ in range(body_words))
                rows.append(
                    {
                        "id": i + 1,
                        "source_id": source_id,
                        "url": f"https://city.example/{i}",
                        "title": f"Story {i}" + (" about the tunnel" if i % 100 == 0 else ""),
                        "authors": [],
                        "language": "en" if i % 2 else "de",
                        "body": body,
                        "content_hash": f"{i:064d}",
                        "first_seen_at": stamp,
                        "fetched_at": stamp,
                        "sort_at": stamp,
                        "version": 1,
                    }
                )
            conn.execute(insert(Article), rows)
        conn.execute(
            insert(Headline),
            [
                {"article_id": i + 1, "position": 0, "text": "Other news", "url": None}
                for i in range(0, count, 3)
            ],
        )
    engine.dispose()


def test_query_filters_fields_and_search_snippets(tmp_path: Path, sqlite_url: str) -> None:
    fill(sqlite_url, 300)
    run = newsdesk(
        "--db", sqlite_url, "query", "--language", "en", "--has-headlines", "--limit", "1000",
        "--fields", "id,language,headlines", "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    records = json.loads(run.stdout)
    assert records and all(set(r) == {"id", "language", "headlines"} for r in records)
    assert all(r["language"] == "en" and r["headlines"] == ["Other news"] for r in records)
    assert len(records) == len([i for i in range(300) if i % 2 and i % 3 == 0])
    found = newsdesk(
        "--db", sqlite_url, "query", "--search", "tunnel", "--sort", "relevance", "--format", "json", cwd=tmp_path
    )  # fmt: skip
    titles = sorted(r["title"] for r in json.loads(found.stdout))
    assert titles == [f"Story {i} about the tunnel" for i in (0, 100, 200)]
    table = newsdesk("--db", sqlite_url, "query", "--search", "harbour", "--format", "table", cwd=tmp_path)
    assert "snippet" in table.stdout and "[harbour]" in table.stdout
    bad = newsdesk("--db", sqlite_url, "query", "--fields", "id,colour", cwd=tmp_path)
    assert bad.returncode != 0 and "unknown field colour" in bad.stderr
    assert (
        "needs --search" in newsdesk("--db", sqlite_url, "query", "--sort", "relevance", cwd=tmp_path).stderr
    )


def test_export_writes_every_article_as_jsonl_or_csv(tmp_path: Path, sqlite_url: str) -> None:
    fill(sqlite_url, 1234)
    lines = newsdesk("--db", sqlite_url, "export", cwd=tmp_path).stdout.splitlines()
    assert len(lines) == 1234 and json.loads(lines[0])["title"] == "Story 1233"  # newest first
    table = newsdesk(
        "--db",
        sqlite_url,
        "export",
        "--format",
        "csv",
        "--fields",
        "id,title",
        "--search",
        "tunnel",
        cwd=tmp_path,
    )
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [r["title"] for r in rows] == [f"Story {i} about the tunnel" for i in range(1200, -1, -100)]
    assert "exported 13 articles" in table.stderr


def peak_rss_kib(tmp_path: Path, db_url: str) -> int:
    """Peak memory of one `newsdesk export` run, the real command run in a child interpreter."""
    # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the process this one was forked from.
    code = (
        "import atexit, re, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "'HWM ' + re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1) + '\\n'))\n"
        "from cli import main\n"
        "main()\n"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code, "--db", db_url, "export"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.count("\n") > 0
    return int(result.stderr.rsplit("HWM ", 1)[1])


def test_export_memory_does_not_grow_with_the_number_of_articles(tmp_path: Path) -> None:
    # 40 MB and 160 MB of article text: both past what SQLite caches, so any growth would be the export's.
    small, large = f"sqlite:///{tmp_path / 'small.db'}", f"sqlite:///{tmp_path / 'large.db'}"
    fill(small, 4_000, body_words=1600)
    fill(large, 16_000, body_words=1600)
    grown = peak_rss_kib(tmp_path, large) - peak_rss_kib(tmp_path, small)
    assert grown < 16 * 1024, f"exporting 16,000 articles took {grown / 1024:.0f} MiB more than 4,000"
