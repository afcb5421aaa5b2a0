"""Two crawls writing to one SQLite database at once (a daemon and a manual crawl, say) lose nothing:
"database is locked" waits instead of failing, and an article both fetch is stored once."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from demo.server import SiteServer
from demo.site import build_site
from storage.db import connect
from storage.models import Article
from tests.conftest import NEWSDESK


def test_two_concurrent_crawls_of_overlapping_sources_store_each_article_once(
    tmp_path: Path, sqlite_url: str
) -> None:
    with SiteServer(build_site()) as server:
        base = server.base_url
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "by-feed"\nfeeds = ["{base}/feed.xml"]\n\n'
            f'[[source]]\nname = "by-sitemap"\nsitemaps = ["{base}/news-sitemap.xml"]\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
        crawls = [
            subprocess.Popen(
                [NEWSDESK, "--db", sqlite_url, "crawl", name, "--format", "json"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("by-feed", "by-sitemap")
        ]
        outputs = [crawl.communicate(timeout=180) for crawl in crawls]
    assert [c.returncode for c in crawls] == [0, 0], [stderr for _, stderr in outputs]
    runs = [json.loads(stdout)[0] for stdout, _ in outputs]
    assert all(r["status"] == "ok" and r["errors"] == 0 for r in runs), runs
    # 12 articles in the feed, all 24 in the sitemap: 24 stored between the two, none twice.
    assert sum(r["stored"] for r in runs) == 24
    engine = connect(sqlite_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 24
    engine.dispose()
