"""Hostile pages: decompression bombs, NUL bytes and control characters neither exhaust memory nor get
lost on their way to the store, and an item that fails in a pipeline is an error of the run."""

from __future__ import annotations

import gzip
import json
import os
import random
import resource
import string
import subprocess
import time
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from benchmarks.pages import listed_page
from crawler.extensions import ItemErrors, run_counters
from extraction import PageTooSlow, extract, time_limit
from storage.articles import NewArticle, insert_article
from storage.db import connect
from storage.fingerprints import content_hash, minhash
from tests.conftest import NEWSDESK, Server, newsdesk

ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
    "<p>The harbour board met on Monday and agreed to open the new ferry terminal in the spring, after "
    "two years of building work and a long argument about parking.{extra}</p></article></body></html>"
)
MEMORY_LIMIT = 1536 * 2**20  # address space for the command: a 200 MiB bomb read whole would not fit


def limited_newsdesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    return subprocess.run(
        [NEWSDESK, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, preexec_fn=limit
    )


def crawl_feed_site(
    tmp_path: Path, db_url: str, pages: dict[str, str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`newsdesk crawl` of a local site whose feed lists `pages` (name -> HTML); its spool in tmp_path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    items = "".join(f"<item><title>{name}</title><link>{{{{BASE}}}}/{name}</link></item>" for name in pages)
    (site / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    for name, html in pages.items():
        (site / name).write_text(html)
    server = Server(site)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "site"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        spool = {"NEWSDESK_SPOOL_DIR": str(tmp_path / "spool"), **(env or {})}
        return newsdesk(
            "--db", db_url, "crawl", "site", "--format", "json", cwd=tmp_path, env=spool, timeout=180
        )
    finally:
        server.stop()


def test_a_decompression_bomb_is_refused_and_the_other_pages_are_extracted(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    with gzip.open(pages / "bomb.html.gz", "wb", compresslevel=9) as bomb:
        chunk = b"\0" * 2**20
        for _ in range(200):  # 200 MiB of zeros in about 200 KB
            bomb.write(chunk)
    assert (pages / "bomb.html.gz").stat().st_size < 1_000_000
    (pages / "good.html").write_text(ARTICLE.format(title="Ferry terminal opens", head="", extra=""))
    os.mkfifo(pages / "pipe.html")  # would block a reader forever
    result = limited_newsdesk("extract", str(pages), "--format", "jsonl", cwd=tmp_path)
    assert result.returncode == 1
    assert "bomb.html.gz: larger than 10 MiB when decompressed" in result.stderr
    assert "Traceback" not in result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["id"] == "good" and record["body"].startswith("The harbour board met")


# A page that takes a third of a second or more to extract (8.7 MB: an article and 150,000 headline-like
# lines), and a time limit a seventh of that: fifty times what the small pages take.
SLOW_PAGE = listed_page(150_000, "The harbour board agreed to open the new ferry terminal in the spring.")
SHORT_LIMIT = "0.05"


def test_a_page_slower_than_the_time_limit_is_skipped_and_the_others_extracted(tmp_path: Path) -> None:
    (tmp_path / "slow.html").write_text(SLOW_PAGE)
    (tmp_path / "good.html").write_text(ARTICLE.format(title="Ferry terminal opens", head="", extra=""))
    result = newsdesk("extract", "slow.html", "good.html", "--time-limit", SHORT_LIMIT, cwd=tmp_path)
    assert result.returncode == 1
    assert f"slow.html: extraction stopped after {SHORT_LIMIT} s" in result.stderr
    assert "Traceback" not in result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["id"] == "good" and record["body"].startswith("The harbour board met")
    # Within the default limit the same page is read whole.
    result = newsdesk("extract", "slow.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["body"].count("Council approves new budget for the harbour") == 150_000


def test_a_crawl_gives_up_a_page_past_its_time_limit_and_stores_the_others(tmp_path: Path) -> None:
    titles = ["Ferry terminal opens", "Library hours extended", "Harbour wall repaired"]
    pages = {
        f"{n}.html": ARTICLE.format(title=title, head="", extra=f" Story {n}: {title}.")
        for n, title in enumerate(titles)
    }
    pages["slow.html"] = SLOW_PAGE
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    result = crawl_feed_site(tmp_path, db_url, pages, env={"NEWSDESK_EXTRACT_TIME_LIMIT": SHORT_LIMIT})
    (run,) = json.loads(result.stdout)
    assert (run["stored"], run["errors"]) == (3, 1), run
    with Session(create_engine(db_url)) as session:
        stored = set(session.execute(text("SELECT title FROM articles")).scalars())
    assert stored == set(titles)


def test_the_time_limit_stops_code_that_takes_every_error_for_its_own() -> None:
    # The extractor and the libraries it calls have `except Exception` around some steps: the limit is
    # not one of those errors, to be caught and gone on from.
    started = time.monotonic()
    with pytest.raises(PageTooSlow), time_limit(0.05):
        while time.monotonic() < started + 5:
            try:
                sum(range(1000))
            except Exception:
                continue
    assert time.monotonic() - started < 1


def test_a_time_limit_that_is_not_a_number_fails_the_crawl_with_its_name(tmp_path: Path) -> None:
    pages = {"0.html": ARTICLE.format(title="Ferry terminal opens", head="", extra="")}
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    result = crawl_feed_site(tmp_path, db_url, pages, env={"NEWSDESK_EXTRACT_TIME_LIMIT": "ten"})
    assert result.returncode != 0
    (run,) = json.loads(result.stdout)
    assert run["status"] == "failed" and run["stored"] == 0
    assert (
        "NEWSDESK_EXTRACT_TIME_LIMIT must be a number of seconds (0 for no limit), not 'ten'"
        in run["message"]
    )


def test_a_page_of_nul_bytes_is_an_empty_page() -> None:
    page = extract("\0" * 10_000_000)
    assert page.body == "" and page.title == ""


def test_control_characters_never_reach_the_text() -> None:
    escape = "&#27;]0;owned&#7;&#27;[2J&#0;"
    html = ARTICLE.format(title=f"Ferry{escape} terminal opens", head="", extra=f" Tickets{escape} on sale.")
    page = extract(html)
    for value in (page.title, page.body):
        assert not any(ord(c) < 32 and c not in "\t\n" for c in value), repr(value)
    assert page.title == "Ferry]0;owned[2J\ufffd terminal opens"  # &#0; reads as U+FFFD, as in browsers


def test_nul_in_a_headline_is_stored_on_every_backend(tmp_path: Path, db_url: str) -> None:
    """A JSON-LD headline with \\u0000 used to fail PostgreSQL's insert, silently (issue: silent loss)."""
    jsonld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry\\u0000 terminal"}</script>'
    result = crawl_feed_site(
        tmp_path, db_url, {"one.html": ARTICLE.format(title="Ferry terminal", head=jsonld, extra="")}
    )
    (run,) = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert run["stored"] == 1 and run["errors"] == 0
    engine = create_engine(db_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM articles")).scalar_one() == "Ferry terminal"
    finally:
        engine.dispose()


def test_an_item_that_fails_in_a_pipeline_is_an_error_and_leaves_the_run_incomplete() -> None:
    crawler = get_crawler()
    assert crawler.stats is not None
    crawler.stats.open_spider()
    errors = ItemErrors.from_crawler(crawler)
    crawler.signals.send_catch_log(
        signals.item_error, item={}, response=None, spider=None, failure=ValueError("no")
    )
    assert errors.stats is crawler.stats
    assert run_counters(crawler.stats.get_stats())["errors"] == 1
    assert crawler.stats.get_value("newsdesk/article_errors") == 1  # the feeds' validators are not saved


def test_only_web_links_are_kept_for_headlines() -> None:
    links = [
        ("javascript:alert(1)", "Council approves the new harbour budget plan"),
        ("JaVaScRiPt:alert(2)", "Storm warning issued for the northern coast"),
        ("data:text/html,<script>alert(3)</script>", "Local school wins the robotics championship"),
        ("/2026/ferry-timetable", "Ferry timetable changes for the winter season"),
    ]
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    html = ARTICLE.format(title="Ferry terminal opens", head="", extra="").replace(
        "</article>", f'</article><section class="related"><h2>Related</h2><ul>{items}</ul></section>'
    )
    page = extract(html, "https://paper.example/2026/ferry")
    urls = {h.text: h.url for h in page.headlines}
    assert set(urls) == {text for _, text in links}
    assert [urls[text] for _, text in links] == [
        None,
        None,
        None,
        "https://paper.example/2026/ferry-timetable",
    ]


def test_stored_terminal_escapes_are_never_printed(tmp_path: Path) -> None:
    """Text stored by an older newsdesk may hold escapes: `show` and the `query` table drop them."""
    db = f"sqlite:///{tmp_path / 'news.db'}"
    engine = connect(db)
    title = "Harbour\x1b]0;owned\x07 tunnel opens\x1b[2J"
    body = "The harbour tunnel opened on Monday\x1b[31m after six years of digging."
    with Session(engine) as s, s.begin():
        insert_article(
            s,
            NewArticle(
                source="city",
                url="https://city.example/tunnel",
                title=title,
                authors=["Jane\x1b[5m Doe"],
                published_at=None,
                language="en",
                body=body,
                content_hash=content_hash(title, body),
                minhash=minhash(body),
                headlines=[("Ferry\x1b[8m times change", None)],
            ),
        )
    engine.dispose()
    shown = newsdesk("--db", db, "show", "1", "--format", "table", cwd=tmp_path)
    listed = newsdesk("--db", db, "query", "--format", "table", cwd=tmp_path)
    assert shown.returncode == 0 and listed.returncode == 0, shown.stderr + listed.stderr
    assert "tunnel opens" in shown.stdout and "Ferry" in shown.stdout and "tunnel" in listed.stdout
    for out in (shown.stdout, listed.stdout):
        assert not any(ord(c) < 32 and c not in "\t\n" for c in out), repr(out)


def test_a_page_that_is_only_a_url_is_not_fetched_by_the_extractor(tmp_path: Path) -> None:
    # The date library reads a string that starts with "http" and holds no space as a URL, and fetches
    # it: a page (or a saved file) made of one private address would have sent the extractor there.
    site = Server(Path(__file__).parent.parent / "sites" / "news", log=tmp_path / "requests.log")
    try:
        page = tmp_path / "url.html"
        page.write_text(f"{site.base_url}/private/admin")
        result = newsdesk("extract", str(page), "--format", "jsonl", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["body"] == f"{site.base_url}/private/admin"
        assert not any("/private/admin" in line for line in site.requests())
    finally:
        site.stop()


def test_attribute_names_lxml_cannot_handle_do_not_stop_extraction(tmp_path: Path) -> None:
    # "{x}y" reads to lxml as a namespaced name; binary noise served as HTML makes many such names.
    text = "The council approved the budget after a long debate that ran late into the evening on Tuesday."
    page = f"<html><body><article><p {{x}}y=1 data-a=2 class='lead'>{text}</p><p>{text}</p></article></body></html>"
    assert extract(page, "https://paper.example/a").body.startswith(text)
    (tmp_path / "odd.html").write_text(page)
    noise = bytes(range(256)) * 40 + b"<p {a}b=1 {c}=2 \x01=3>" + gzip.compress(page.encode() * 50)
    (tmp_path / "noise.html").write_bytes(noise)
    result = newsdesk("extract", "odd.html", "noise.html", "--format", "jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    odd = json.loads(result.stdout.splitlines()[0])
    assert odd["body"].startswith(text)


def test_a_link_that_is_not_a_url_does_not_stop_extraction() -> None:
    text = "The council approved the budget after a long debate that ran late into the evening on Tuesday."
    links = "".join(
        f"<li><a href='{href}'>Headline number {i} about the town</a></li>"
        for i, href in enumerate(["http://[::1", "https://[zz/x", "/fine", "http://[::1]:99999/"])
    )
    for head in ("<link rel=canonical href='http://[::1'>", "<meta property='og:url' content='https://[x/'>"):
        page = f"<html><head>{head}</head><body><article><p>{text}</p><p>{text}</p></article><ul>{links}</ul></body></html>"
        article = extract(page, "https://paper.example/a")
        assert article.body.startswith(text) and article.canonical_url is None


def test_a_page_of_a_megabyte_of_distinct_words_is_stored_and_searched_on_every_backend(
    tmp_path: Path, db_url: str
) -> None:
    """PostgreSQL refuses a search vector of 1 MiB: such a page used to fail its batch's INSERT, and the
    batch waited in the spool as if the database were down, failing again at every later crawl."""
    rng = random.Random(5)
    words = ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(120_000)]
    paragraphs = "".join(f"<p>{' '.join(words[i : i + 100])}.</p>" for i in range(0, len(words), 100))
    pages = {
        "list.html": "<!DOCTYPE html><html lang='en'><head><title>Word list</title></head><body><article>"
        f"<h1>Word list</h1>{paragraphs}</article></body></html>",
        "ferry.html": ARTICLE.format(title="Ferry terminal opens", head="", extra=""),
    }
    result = crawl_feed_site(tmp_path, db_url, pages)
    assert result.returncode == 0, result.stderr
    (run,) = json.loads(result.stdout)
    assert run["stored"] == 2 and run["errors"] == 0, run
    assert not list(tmp_path.glob("**/*spool*.jsonl"))

    def found(search: str) -> list[str]:
        query = newsdesk("--db", db_url, "query", "--search", search, "--format", "json", cwd=tmp_path)
        assert query.returncode == 0, query.stderr
        return [a["title"] for a in json.loads(query.stdout)]

    assert found(words[10]) == ["Word list"]  # the long text is searched, from its start
    assert found("ferry terminal") == ["Ferry terminal opens"]


def test_links_too_long_to_store_do_not_cost_the_article_on_every_backend(
    tmp_path: Path, db_url: str
) -> None:
    """PostgreSQL refuses a URL over its column's 2,048 characters: a page whose canonical link or a headline
    link was longer used to be lost there (and stored by SQLite)."""
    long = "?" + "x" * 3000
    related = "".join(
        f"<li><a href='/story{i}{long}'>Another story about the harbour, number {i}</a></li>"
        for i in range(3)
    )
    page = ARTICLE.format(
        title="Ferry terminal opens", head=f"<link rel='canonical' href='/ferry.html{long}'>", extra=""
    ).replace("</article>", f"</article><div class='related'><h2>Related</h2><ul>{related}</ul></div>")
    result = crawl_feed_site(tmp_path, db_url, {"ferry.html": page})
    assert result.returncode == 0, result.stderr
    (run,) = json.loads(result.stdout)
    assert run["stored"] == 1 and run["errors"] == 0, run
    shown = newsdesk("--db", db_url, "export", "--format", "jsonl", cwd=tmp_path)
    (article,) = [json.loads(line) for line in shown.stdout.splitlines()]
    assert article["url"].endswith("/ferry.html")  # the fetched address, not the canonical too long to store
    assert article["headlines"] == [f"Another story about the harbour, number {i}" for i in range(3)]
