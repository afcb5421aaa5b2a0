"""`newsdesk try` and `newsdesk fetch`: what a crawl of a source would fetch and extract, shown now, with
nothing stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import Server, newsdesk
from tests.test_incremental import page, rss, site, story

PATHS = ["/news/one.html", "/news/two.html", "/news/three.html", "/video/four.html", "/about.html"]


def paper(tmp_path: Path) -> Path:
    return site(
        tmp_path / "paper",
        {
            "feed.xml": rss(PATHS),
            **{p.lstrip("/"): page(f"Story {p}", story(40 + i)) for i, p in enumerate(PATHS)},
        },
    )


def article_requests(server: Server) -> list[str]:
    return [line.split()[1] for line in server.requests() if line.split()[1] in PATHS]


def test_try_shows_the_urls_a_crawl_would_fetch_and_the_first_extractions_storing_nothing(
    tmp_path: Path,
) -> None:
    server = Server(paper(tmp_path), log=tmp_path / "requests.log")
    db = tmp_path / "news.db"
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\n'
            'allow = ["/news/", "/video/"]\ndeny = ["/video/"]\n'
        )
        tried = newsdesk(
            "--db", f"sqlite:///{db}", "try", "paper", "--limit", "2", "--format", "json", cwd=tmp_path
        )
        assert tried.returncode == 0, tried.stderr
        assert not db.exists()  # no database made, nothing stored
        fetched_by_try = article_requests(server)
        text = newsdesk("--db", f"sqlite:///{db}", "try", "paper", "--limit", "2", cwd=tmp_path)
        # After a crawl, the try says which URLs are stored already, and still stores nothing.
        crawled = newsdesk("--db", f"sqlite:///{db}", "crawl", "paper", "--format", "json", cwd=tmp_path)
        assert crawled.returncode == 0, crawled.stderr
        after = newsdesk("--db", f"sqlite:///{db}", "try", "paper", "--format", "json", cwd=tmp_path)
    finally:
        server.stop()
    trial = json.loads(tried.stdout)
    decisions = {u["url"].removeprefix(server.base_url): u for u in trial["urls"]}
    assert {p: d["decision"] for p, d in decisions.items()} == {
        "/news/one.html": "crawl",
        "/news/two.html": "crawl",
        "/news/three.html": "crawl",
        "/video/four.html": "denied",
        "/about.html": "not_allowed",
    }
    assert decisions["/video/four.html"]["reason"] == "/video/"
    assert [d["status"] for d in decisions.values()] == [200, 200, None, None, None]  # at most --limit pages
    assert sorted(fetched_by_try) == ["/news/one.html", "/news/two.html"]
    assert sorted(a["title"] for a in trial["articles"]) == ["Story /news/one.html", "Story /news/two.html"]
    first = next(a for a in trial["articles"] if a["title"] == "Story /news/one.html")
    assert first["body"].startswith(story(40)[0]) and len(first["body"]) > 300
    assert trial["read"] == [{"url": f"{server.base_url}/feed.xml", "status": 200, "reason": ""}]

    assert text.returncode == 0, text.stderr
    assert "5 article URLs found (3 crawl, 1 denied, 1 not allowed)" in text.stdout
    assert "deny '/video/'" in text.stdout and "matches no 'allow' pattern" in text.stdout
    assert "2 articles extracted (at most 2; nothing stored)" in text.stdout
    assert "title      Story /news/one.html" in text.stdout

    assert after.returncode == 0, after.stderr
    stored = {u["url"].removeprefix(server.base_url): u["decision"] for u in json.loads(after.stdout)["urls"]}
    assert [stored[p] for p in PATHS[:3]] == ["stored"] * 3
    with sqlite3.connect(db) as conn:  # the crawl's run and articles only: the try wrote nothing
        assert conn.execute("select count(*) from crawl_runs").fetchone() == (1,)
        assert conn.execute("select count(*) from articles").fetchone() == (3,)


def test_try_a_feed_not_in_the_sources_file_and_fetch_one_page(tmp_path: Path) -> None:
    folder = paper(tmp_path)
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /about.html\n")
    server = Server(folder)
    try:
        tried = newsdesk("try", "--feed", f"{server.base_url}/feed.xml", "--deny", "/about", cwd=tmp_path)
        missing = newsdesk("try", "--feed", f"{server.base_url}/nothing.xml", cwd=tmp_path)
        fetched = newsdesk("fetch", f"{server.base_url}/news/two.html", cwd=tmp_path)
        as_json = newsdesk("fetch", f"{server.base_url}/news/two.html", "--format", "json", cwd=tmp_path)
        forbidden = newsdesk("fetch", f"{server.base_url}/about.html", cwd=tmp_path)
    finally:
        server.stop()
    assert tried.returncode == 0, tried.stderr
    assert "try: 5 article URLs found (4 crawl, 1 denied)" in tried.stdout
    assert "5 articles extracted" not in tried.stdout and "4 articles extracted" in tried.stdout
    assert not (tmp_path / "newsdesk.db").exists()

    assert missing.returncode == 1
    assert f"read {server.base_url}/nothing.xml: 404" in missing.stdout
    assert "Error: no article URLs found" in missing.stderr

    assert fetched.returncode == 0, fetched.stderr
    assert "title      Story /news/two.html" in fetched.stdout
    assert story(41)[0][:60] in fetched.stdout.replace("\n             ", " ")
    (article,) = json.loads(as_json.stdout)["articles"]
    assert article["body"].split("\n\n") == story(41)

    assert forbidden.returncode == 1
    assert "Error: Forbidden by robots.txt" in forbidden.stderr


def test_try_reports_a_bad_source_and_a_bad_call(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "paper"\nfeeds = ["https://paper.example/rss"]\n'
    )
    unknown = newsdesk("try", "nosuch", cwd=tmp_path)
    bad_url = newsdesk("try", "--feed", "ftp://paper.example/rss", cwd=tmp_path)
    nothing = newsdesk("try", cwd=tmp_path)
    assert unknown.returncode == 1 and "unknown source 'nosuch' (configured: paper)" in unknown.stderr
    assert bad_url.returncode == 1 and "which is not an http(s) URL" in bad_url.stderr
    assert nothing.returncode == 2 and "give --feed, --sitemap or --start-url" in nothing.stderr
