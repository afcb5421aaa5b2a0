"""End to end: the real `newsdesk` command crawling the local fixture site into a real database."""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path

import pytest

from tests.conftest import Server, newsdesk

ARTICLE_COUNT = 5


def sources_file(folder: Path, base: str, **keys: str) -> None:
    lines = ["[[source]]", 'name = "riverside"']
    lines += [f"{k} = {v}" for k, v in keys.items()]
    (folder / "sources.toml").write_text("\n".join(lines) + "\n")


def crawl_and_query(folder: Path, db: str) -> tuple[list[dict], list[dict]]:
    crawl = newsdesk("--db", db, "crawl", "riverside", "--format", "json", cwd=folder)
    assert crawl.returncode == 0, crawl.stderr
    runs = json.loads(crawl.stdout)
    query = newsdesk("--db", db, "query", "--format", "json", cwd=folder)
    assert query.returncode == 0, query.stderr
    return runs, json.loads(query.stdout)


@pytest.mark.parametrize(
    "keys",
    [
        {"feeds": '["{base}/feed.xml", "{base}/atom.xml", "{base}/feed.json"]'},
        {"sitemaps": '["{base}/sitemap.xml"]'},
        {"start_urls": '["{base}/"]', "allow": "['/2026/']"},
    ],
    ids=["feeds", "sitemap-index", "listing"],
)
def test_a_source_is_crawled_stored_once_and_not_fetched_again(
    tmp_path: Path, news_site: Server, keys: dict[str, str], sqlite_url: str
) -> None:
    base = news_site.base_url
    sources_file(tmp_path, base, **{k: v.format(base=base) for k, v in keys.items()})
    runs, articles = crawl_and_query(tmp_path, sqlite_url)
    assert [r["status"] for r in runs] == ["ok"]
    assert runs[0]["stored"] == ARTICLE_COUNT and runs[0]["trigger"] == "manual" and runs[0]["errors"] == 0
    assert len(articles) == ARTICLE_COUNT
    urls = {a["url"] for a in articles}
    assert all(u.startswith(f"{base}/2026/11/") and "utm_" not in u and "#" not in u for u in urls)
    assert not any("Members-only" in a["title"] for a in articles)  # robots.txt disallows /private/
    bridge = next(a for a in articles if "bridge" in a["title"])
    assert bridge["body"].startswith("The old harbour bridge reopened")
    assert bridge["body"].endswith("before major work is needed again.")
    assert "cookies" not in bridge["body"] and "Newsletter" not in bridge["body"]
    assert len(bridge["headlines"]) == 3 and bridge["authors"] == ["Ana Ruiz"]
    assert bridge["published"] == "2026-11-20T08:30:00Z"

    again, articles_again = crawl_and_query(tmp_path, sqlite_url)
    assert again[0]["status"] == "ok" and again[0]["stored"] == 0
    # Feeds and sitemaps answer the conditional GET with 304: nothing to read. Listing pages are read
    # again, and the stored articles they link to are skipped.
    expected_skips = ARTICLE_COUNT if "start_urls" in keys else 0
    assert again[0]["skipped"] == expected_skips and again[0]["errors"] == 0
    assert len(articles_again) == ARTICLE_COUNT

    history = newsdesk("--db", sqlite_url, "runs", "--format", "json", cwd=tmp_path)
    assert [r["status"] for r in json.loads(history.stdout)] == ["ok", "ok"]


def test_robots_txt_is_obeyed_unless_the_source_says_otherwise(
    tmp_path: Path, news_site: Server, sqlite_url: str
) -> None:
    base = news_site.base_url
    sources_file(tmp_path, base, feeds=f'["{base}/feed.xml"]', obey_robots="false")
    _, articles = crawl_and_query(tmp_path, sqlite_url)
    assert any("Members-only" in a["title"] for a in articles)


def test_show_search_and_formats(tmp_path: Path, news_site: Server, sqlite_url: str) -> None:
    base = news_site.base_url
    sources_file(tmp_path, base, sitemaps=f'["{base}/sitemap.xml"]')
    _, articles = crawl_and_query(tmp_path, sqlite_url)
    comet = next(a for a in articles if "comet" in a["title"])
    shown = newsdesk("--db", sqlite_url, "show", str(comet["id"]), "--format", "json", cwd=tmp_path)
    record = json.loads(shown.stdout)[0]
    assert record["title"] == "Bright comet visible to the naked eye this week"
    assert record["headline_links"][0]["url"].startswith(base)
    by_url = newsdesk("--db", sqlite_url, "show", comet["url"] + "?utm_source=x", cwd=tmp_path)
    assert by_url.returncode == 0 and "naked eye" in by_url.stdout
    found = newsdesk(
        "--db", sqlite_url, "query", "--search", "western sky", "--format", "jsonl", cwd=tmp_path
    )
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == [comet["id"]]
    csv_out = newsdesk("--db", sqlite_url, "query", "--format", "csv", "--limit", "2", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert len(rows) == 2 and rows[0]["body"] == articles[0]["body"]
    assert json.loads(rows[0]["headlines"]) == articles[0]["headlines"]
    since = newsdesk(
        "--db",
        sqlite_url,
        "query",
        "--since",
        "2026-11-19",
        "--until",
        "2026-11-19",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert [a["title"] for a in json.loads(since.stdout)] == [
        "Free school meals pilot extended to forty more schools"
    ]


def test_demo_runs_offline_in_an_empty_folder(tmp_path: Path) -> None:
    result = newsdesk("demo", "--format", "json", cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr
    articles = json.loads(result.stdout)
    assert len(articles) == 24
    assert (tmp_path / "newsdesk.db").exists()
    assert all(a["headlines"] for a in articles)
    assert all("utm_" not in a["url"] and "/amp/" not in a["url"] for a in articles)
    assert "duplicates" in result.stderr or "duplicates" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--db", "nonsense://", "query"], "Error: "),
        (["--db", "sqlite:////no/such/dir/x.db", "runs"], "does not exist"),
        (["--db", "postgresql://nobody@127.0.0.1:9/news", "query"], "cannot use database"),
        (["query", "--since", "yesterday"], "not an ISO date"),
        (["show", "12345"], "no article with id or URL"),
        (["crawl", "nope"], "unknown source 'nope'"),
        (["crawl"], "name one or more sources, or pass --all"),
        (["extract", "missing.html"], "no such file or folder"),
        (["--sources", "missing.toml", "daemon"], "no such file"),
    ],
)
def test_user_mistakes_are_errors_not_tracebacks(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "sources.toml").write_text('[[source]]\nname = "a"\nfeeds = ["http://127.0.0.1:9/feed"]\n')
    result = newsdesk(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


def test_query_and_runs_work_without_a_sources_file(tmp_path: Path) -> None:
    for command in (["query"], ["runs"]):
        result = newsdesk(*command, "--format", "json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == []


def test_a_source_that_cannot_be_reached_is_recorded_failed(tmp_path: Path, sqlite_url: str) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sources_file(tmp_path, "", feeds=f'["http://127.0.0.1:{port}/feed.xml"]')
    result = newsdesk("--db", sqlite_url, "crawl", "riverside", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    (run,) = json.loads(result.stdout)
    assert run["status"] == "failed" and run["errors"] > 0
    assert "no article could be fetched" in run["message"] and "Connection refused" in run["message"]


def test_endless_pagination_stops_at_max_listing_pages_and_the_run_says_so(
    tmp_path: Path, sqlite_url: str
) -> None:
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "2026").mkdir()
    for n in range(1, 301):  # each listing page links one article and the next page
        (site / "page" / f"{n}.html").write_text(
            f"<html><body><a href='/2026/story-{n}.html'>Story number {n} of the endless list</a>"
            f"<a href='/page/{n + 1}.html'>Next page</a></body></html>"
        )
        (site / "2026" / f"story-{n}.html").write_text(
            f"<html><head><title>Story {n}</title></head><body><article><p>Story {n} tells of the harbour "
            f"works, the new ferry timetable and the council vote number {n}, in full sentences.</p>"
            "</article></body></html>"
        )
    server = Server(site)
    try:
        base = server.base_url
        sources_file(
            tmp_path,
            base,
            start_urls=f'["{base}/page/1.html"]',
            allow="['/2026/']",
            follow_depth="1000",
            max_listing_pages="20",
        )
        runs, articles = crawl_and_query(tmp_path, sqlite_url)
    finally:
        server.stop()
    (run,) = runs
    assert run["status"] == "ok" and "max_listing_pages reached" in run["message"], run
    # The start page and 20 pages followed from it: 21 listings, one article each.
    assert run["stored"] == 21 and len(articles) == 21


def test_a_site_whose_robots_txt_forbids_everything_is_reported(tmp_path: Path, sqlite_url: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (site / "index.html").write_text(
        "<html><body><a href='/story.html'>A story about the harbour</a></body></html>"
    )
    (site / "story.html").write_text("<html><body><p>The harbour reopened on Monday.</p></body></html>")
    server = Server(site)
    try:
        sources_file(tmp_path, server.base_url, start_urls=f'["{server.base_url}/index.html"]')
        crawl = newsdesk("--db", sqlite_url, "crawl", "riverside", "--format", "json", cwd=tmp_path)
        listed = newsdesk("--db", sqlite_url, "sources", "--format", "json", cwd=tmp_path)
    finally:
        server.stop()
    (run,) = json.loads(crawl.stdout)
    assert run["stored"] == 0 and "robots.txt forbade" in run["message"], run
    (source,) = json.loads(listed.stdout)
    assert source["health"].startswith("degraded: robots.txt"), source
