"""Crash safety: a crawl killed with SIGKILL while it writes leaves a consistent store (each article
whole, with all its headlines, no orphan rows), its run is not left `running`, and the next crawl
completes the source without storing anything twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import NEWSDESK, Server, crawl_children, newsdesk

ARTICLES = 30
HEADLINES = ["Markets close higher", "Council delays transit vote", "Weekend weather clears"]


def build_site(folder: Path) -> None:
    folder.mkdir()
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    items = "".join(
        f"<item><title>Story {i}</title><link>{{{{BASE}}}}/story-{i}.html</link></item>"
        for i in range(ARTICLES)
    )
    (folder / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    related = "".join(f"<li><a href='/r{k}.html'>{h}</a></li>" for k, h in enumerate(HEADLINES))
    for i in range(ARTICLES):
        paragraphs = "".join(
            f"<p>Story {i}, part {k}: the harbour board of district {i} met again and argued about "
            f"parking, ferries and the budget for the {k}th time this year, said residents.</p>"
            for k in range(4)
        )
        (folder / f"story-{i}.html").write_text(
            f"<!DOCTYPE html><html lang='en'><head><title>Story {i}</title></head><body><article>"
            f"<h1>Story {i}</h1>{paragraphs}<h3>Related</h3><ul>{related}</ul></article></body></html>"
        )
    (folder / "_routes.json").write_text(
        json.dumps({f"/story-{i}.html": {"delay": 0.15} for i in range(ARTICLES)})
    )


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def check_consistent(db: Path, output: str = "") -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []  # no orphan rows
        incomplete = conn.execute(
            "SELECT a.url, count(h.id) FROM articles a LEFT JOIN headlines h ON h.article_id = a.id "
            "GROUP BY a.id HAVING count(h.id) != ? OR min(length(a.body)) < 200",
            (len(HEADLINES),),
        ).fetchall()
        assert incomplete == []
        unseen = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM seen_urls s WHERE s.article_id = a.id)"
        ).fetchone()[0]
        assert unseen == 0
        running = conn.execute(
            "SELECT id, status, message FROM crawl_runs WHERE status = 'running'"
        ).fetchall()
        assert running == [], output


def test_a_crawl_killed_mid_write_leaves_a_consistent_store_and_the_next_completes_it(tmp_path: Path) -> None:
    build_site(tmp_path / "site")
    server = Server(tmp_path / "site")
    db = tmp_path / "news.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "site"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        for kill_at in (2, 9, 17, 24):
            proc = subprocess.Popen(
                [NEWSDESK, "--db", f"sqlite:///{db}", "crawl", "site"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            deadline = time.monotonic() + 60
            while stored(db) < kill_at and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            for pid in crawl_children("site"):
                os.kill(pid, signal.SIGKILL)
            _, err = proc.communicate(timeout=30)
            assert proc.returncode != 0, err  # the run failed, and says so
            check_consistent(db, err.decode())
            time.sleep(0.1)
        before = stored(db)
        assert 0 < before < ARTICLES
        final = newsdesk(
            "--db", f"sqlite:///{db}", "crawl", "site", "--format", "json", cwd=tmp_path, timeout=120
        )
    finally:
        server.stop()
    (run,) = json.loads(final.stdout)
    assert run["status"] == "ok" and run["stored"] == ARTICLES - before and run["skipped"] == before
    check_consistent(db)
    assert stored(db) == ARTICLES
    runs = newsdesk("--db", f"sqlite:///{db}", "runs", "--format", "json", cwd=tmp_path)
    statuses = [r["status"] for r in json.loads(runs.stdout)]
    assert statuses == ["ok", "failed", "failed", "failed", "failed"]


ORPHAN_SCRIPT = """
import os, sys
from scrapy.utils.test import get_crawler
from pipelines.base import StageContext
from pipelines.clean import CleanPipeline
from storage.db import Database

crawler = get_crawler()
crawler.stats.open_spider()
stage = CleanPipeline(StageContext(crawler.stats, Database(sys.argv[1])), workers=2)
stage.open_spider()
for _ in range(2):
    stage.pool.submit(int)  # a worker is started for each
os._exit(0)  # the crawl dies (SIGKILL, a crash) while its workers are still starting
"""


def marked_processes(mark: str) -> list[int]:
    """The processes whose environment holds `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_extraction_workers_do_not_outlive_a_crawl_that_dies_while_they_start(tmp_path: Path) -> None:
    mark = f"NEWSDESK_TEST_ORPHANS={os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, mark.split("=")[0]: mark.split("=")[1]}
    db = f"sqlite:///{tmp_path / 'news.db'}"
    subprocess.run([sys.executable, "-c", ORPHAN_SCRIPT, db], env=env, timeout=60, check=True)
    deadline = time.monotonic() + 20
    while marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = marked_processes(mark)
    for pid in left:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert left == [], "extraction workers outlived their crawl"
