"""Broken servers: errors, retries, redirect loops, other hosts, wrong content types, oversized and
malformed responses. The crawl ends, stores what is good, counts what is not, and follows nothing it
should not."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Server, newsdesk

ARTICLE = """<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>{text} The rest of this paragraph is long enough to be taken for the body of a news article.</p>
</article></body></html>"""


def build_site(folder: Path, other_host: str) -> None:
    links = ["ok", "server-error", "missing", "loop-a", "report", "elsewhere", "huge", "rate-limited"]
    items = "".join(f"<item><title>{n}</title><link>{{{{BASE}}}}/{n}.html</link></item>" for n in links)
    (folder / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (folder / "ok.html").write_text(ARTICLE.format(title="The one good page", text="This page is fine."))
    (folder / "report.html").write_bytes(b"%PDF-1.4 not a web page")
    (folder / "huge.html").write_text(ARTICLE.format(title="Too big", text="x " * 6_000_000))
    (folder / "broken.xml").write_text("<rss><channel><item><link>unterminated")
    routes = {
        "/server-error.html": {"status": 500},
        "/loop-a.html": {"redirect": "/loop-b.html"},
        "/loop-b.html": {"redirect": "/loop-a.html"},
        "/elsewhere.html": {"redirect": f"{other_host}/stolen.html"},
        "/rate-limited.html": {"status": 429},
        "/report.html": {"content_type": "application/pdf"},
    }
    (folder / "_routes.json").write_text(json.dumps(routes))


def test_a_crawl_through_broken_responses_stores_the_good_page_and_counts_the_rest(
    tmp_path: Path, sqlite_url: str
) -> None:
    # Another host (localhost, not 127.0.0.1) with a good article: a redirect there must not be followed.
    other = tmp_path / "other"
    other.mkdir()
    (other / "stolen.html").write_text(
        ARTICLE.format(title="A page on another site", text="Not ours to take.")
    )
    other_server = Server(other)
    site = tmp_path / "site"
    site.mkdir()
    build_site(site, other_server.base_url.replace("127.0.0.1", "localhost"))
    server = Server(site)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "broken"\nfeeds = ["{server.base_url}/feed.xml", "{server.base_url}/broken.xml"]\n'
        )
        result = newsdesk(
            "--db", sqlite_url, "crawl", "broken", "--format", "json", cwd=tmp_path, timeout=120
        )
    finally:
        server.stop()
        other_server.stop()
    (run,) = json.loads(result.stdout)
    assert run["status"] == "ok", result.stderr
    assert run["stored"] == 1 and run["errors"] >= 3
    query = newsdesk("--db", sqlite_url, "query", "--format", "json", cwd=tmp_path)
    assert [a["title"] for a in json.loads(query.stdout)] == ["The one good page"]
    assert "Traceback" not in result.stderr
