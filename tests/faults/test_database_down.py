"""The database goes away in the middle of a crawl: the crawl goes on, the articles it could not write wait
in the spool, the run is recorded with the reason, and the next crawl writes them: nothing is lost and
nothing is stored twice."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from crawler.items import ArticleItem
from pipelines.base import to_record
from storage import spool
from storage.fingerprints import content_hash, minhash
from tests.conftest import NEWSDESK, Server, newsdesk

ARTICLES = 24
WORDS = (
    "council harbour budget ferry school river bridge market storm rail station museum library housing "
    "teachers nurses farmers festival election mayor street airport union strike factory energy water"
).split()


def build_site(folder: Path) -> None:
    folder.mkdir()
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    items = "".join(
        f"<item><title>S{i}</title><link>{{{{BASE}}}}/s{i}.html</link></item>" for i in range(ARTICLES)
    )
    (folder / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    for i in range(ARTICLES):
        rng = random.Random(i)  # each story its own words: none is a near-copy of another
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        (folder / f"s{i}.html").write_text(
            f"<!DOCTYPE html><html lang='en'><head><title>Story {i}</title></head><body><article>"
            f"<h1>Story {i}</h1><p>{text.capitalize()}.</p></article></body></html>"
        )
    (folder / "_routes.json").write_text(json.dumps({f"/s{i}.html": {"delay": 0.8} for i in range(ARTICLES)}))


def test_articles_wait_in_the_spool_while_the_database_is_down(tmp_path: Path, postgres_url: str) -> None:
    name = make_url(postgres_url).database
    admin = create_engine(make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    build_site(tmp_path / "site")
    server = Server(tmp_path / "site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env["NEWSDESK_SPOOL_DIR"] = str(tmp_path / "spool")
    env["NEWSDESK_CAPTURE"] = str(tmp_path / "capture")  # (by default in the home folder)

    def stored() -> int:
        engine = create_engine(postgres_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
        except Exception:  # not created yet, or refusing connections
            return -1
        finally:
            engine.dispose()

    def allow_connections(allowed: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
            if not allowed:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                    {"n": name},
                )

    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "site"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        proc = subprocess.Popen(
            [NEWSDESK, "--db", postgres_url, "crawl", "site", "--format", "json"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while stored() < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        allow_connections(False)
        time.sleep(4)  # articles keep arriving meanwhile
        allow_connections(True)
        out, err = proc.communicate(timeout=120)
        before = stored()
        spooled = (tmp_path / "spool").glob("*.jsonl")
        waiting = sum(len(p.read_text().splitlines()) for p in spooled)
        again = newsdesk(
            "--db", postgres_url, "crawl", "site", "--format", "json", cwd=tmp_path, env=env, timeout=120
        )
    finally:
        allow_connections(True)
        server.stop()
        admin.dispose()
    (run,) = json.loads(out)
    assert "Traceback" not in err
    assert run["status"] == "failed" and run["message"].startswith("spooled:"), run
    assert "database unavailable" in run["message"]
    assert waiting > 0 and before + waiting >= ARTICLES, (before, waiting)
    (second,) = json.loads(again.stdout)
    assert second["status"] == "ok", second
    assert stored() == ARTICLES  # each article once
    assert sum(len(p.read_text().splitlines()) for p in (tmp_path / "spool").glob("*.jsonl")) == 0
    query = newsdesk("--db", postgres_url, "query", "--limit", "100", "--format", "json", cwd=tmp_path)
    assert sorted(a["title"] for a in json.loads(query.stdout)) == sorted(
        f"Story {i}" for i in range(ARTICLES)
    )


def test_a_spooled_article_the_database_refuses_is_set_aside_and_the_others_are_written(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spooled article PostgreSQL refuses for what it holds (here a NUL in its title, which an older
    newsdesk let through) used to stop the spool's replay, and with it every later crawl at its start."""
    monkeypatch.setenv("NEWSDESK_SPOOL_DIR", str(tmp_path / "spool"))
    path = spool.spool_path(postgres_url)

    def record(n: int, title: str) -> dict[str, object]:
        body = f"Story {n}: " + " ".join(random.Random(n).choice(WORDS) for _ in range(60))
        return to_record(
            ArticleItem(
                source="site", url=f"https://old.example/{n}", title=title, authors=[], published_at=None,
                language="en", body=body, headlines=[], content_hash=content_hash(title, body),
                minhash=minhash(body), seen_urls=[f"https://old.example/{n}"],
            )
        )  # fmt: skip

    spool.keep(path, record(1, "Refused\0 title"))
    spool.keep(path, record(2, "Written later"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (site / "feed.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    server = Server(site)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "site"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        env = {"NEWSDESK_SPOOL_DIR": str(tmp_path / "spool")}
        result = newsdesk("--db", postgres_url, "crawl", "site", "--format", "json", cwd=tmp_path, env=env)
        again = newsdesk("--db", postgres_url, "crawl", "site", "--format", "json", cwd=tmp_path, env=env)
    finally:
        server.stop()
    assert "Traceback" not in result.stderr
    (run,) = json.loads(result.stdout)
    assert run["errors"] == 1, run
    (second,) = json.loads(again.stdout)
    assert second["status"] == "ok", second
    query = newsdesk("--db", postgres_url, "query", "--format", "json", cwd=tmp_path)
    assert [a["title"] for a in json.loads(query.stdout)] == ["Written later"]
    assert not path.exists() or not path.read_text().strip()
    (kept,) = [json.loads(line) for line in spool.rejected_path(path).read_text().splitlines()]
    assert kept["url"] == "https://old.example/1" and "NUL" in kept["rejected"]
