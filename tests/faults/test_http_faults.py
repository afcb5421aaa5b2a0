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


def test_timeouts_resets_truncated_bodies_bombs_and_odd_feeds_end_in_counted_errors(
    tmp_path: Path, sqlite_url: str
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    links = ["ok", "reset", "truncated", "bomb", "slow"]
    items = "".join(f"<item><title>{n}</title><link>{{{{BASE}}}}/{n}.html</link></item>" for n in links)
    (site / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    (site / "empty.xml").write_text("")
    many = "".join(f"<item><link>{{{{BASE}}}}/ok.html?page={i}</link></item>" for i in range(20_000))
    (site / "huge.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel>{many}</channel></rss>')
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    for name in links:
        (site / f"{name}.html").write_text(ARTICLE.format(title=f"Page {name}", text="A page worth keeping."))
    (site / "_routes.json").write_text(
        json.dumps(
            {
                "/reset.html": {"fault": "reset"},
                "/truncated.html": {"fault": "truncate"},
                "/bomb.html": {"fault": "gzip-bomb"},
                "/slow.html": {"delay": 3},
            }
        )
    )
    server = Server(site, log=tmp_path / "requests.log")
    try:
        base = server.base_url
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "faults"\nfeeds = ["{base}/feed.xml", "{base}/empty.xml"]\n'
            'download_timeout = "1s"\n'
            f'[[source]]\nname = "bulk"\nfeeds = ["{base}/huge.xml"]\nmax_pages = 5\n'
        )
        result = newsdesk(
            "--db", sqlite_url, "crawl", "faults", "bulk", "--format", "json", cwd=tmp_path, timeout=180
        )
        fetched = [line.split()[1] for line in server.requests() if ".html" in line]
    finally:
        server.stop()
    assert "Traceback" not in result.stderr
    faults, bulk = json.loads(result.stdout)
    assert faults["status"] == "ok" and faults["stored"] == 1 and faults["errors"] >= 4, faults
    assert fetched.count("/slow.html") == 3  # timed out, retried twice, given up
    # 20,000 entries, of which the run's budget of 5 are fetched: one stored, the rest the same page.
    assert bulk["status"] == "ok" and bulk["stored"] == 0 and bulk["duplicates"] == 5, bulk
    assert len([path for path in fetched if path.startswith("/ok.html?page=")]) == 5
    query = newsdesk("--db", sqlite_url, "query", "--format", "json", cwd=tmp_path)
    assert [a["title"] for a in json.loads(query.stdout)] == ["Page ok"]
