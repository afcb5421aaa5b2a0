"""`newsdesk serve`: the real command on a free port, its JSON API over HTTP, and its pages in headless
Chromium (Debian's package), read as a person would read them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from storage.articles import NewArticle, insert_article, update_article
from storage.db import connect
from storage.fingerprints import content_hash, minhash
from storage.models import Article, RunStatus, Trigger
from storage.runs import finish_run, set_counters, start_run
from tests.conftest import NEWSDESK

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = (
    'Reader comments quoted here: <script>document.body.setAttribute("data-pwned", "script")</script> and '
    "<img src=x onerror=\"document.body.setAttribute('data-pwned', 'img')\"> were posted under the story."
)


def article(
    url: str, title: str, body: str, headlines: list[tuple[str, str | None]], language: str = "en"
) -> NewArticle:
    return NewArticle(
        source="city",
        url=url,
        title=title,
        authors=["Ana Ruiz"],
        published_at=datetime(2026, 11, 20, 8, 30),
        language=language,
        body=body,
        content_hash=content_hash(title, body),
        minhash=minhash(body),
        headlines=headlines,
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A store with a few articles, one edited and one with markup in its text, served on a free port."""
    db = f"sqlite:///{tmp_path / 'news.db'}"
    engine = connect(db)
    with Session(engine) as s, s.begin():
        run = start_run(s, "city", Trigger.MANUAL, "here", os.getpid())
        tunnel = insert_article(
            s,
            article(
                "https://city.example/tunnel",
                "Harbour tunnel opens",
                "The harbour tunnel opened on Monday after six years of digging.\n\nTraffic was light.",
                [("Bridge tolls rise", "https://city.example/tolls"), ("Ferry strike ends", None)],
            ),
        )
        insert_article(s, article("https://city.example/comments", "Comment row", HOSTILE, []))
        insert_article(
            s,
            article(
                "https://city.example/market", "Market hall reopens", "The market hall reopened.", [], "en-GB"
            ),
        )
        quality = {"pages": 3, "empty_body": 0.0, "no_title": 0.0, "no_date": 0.333, "median_body": 80}
        set_counters(s, run, {"pages": 3, "stored": 3}, quality)
        finish_run(s, run, RunStatus.OK, "finished")
    with Session(engine) as s, s.begin():
        stored = s.get(Article, tunnel)
        assert stored is not None
        edited = article(
            "https://city.example/tunnel",
            "Harbour tunnel opens to traffic",
            "The harbour tunnel opened on Monday after six years of digging.\n\nTraffic was heavy by noon.",
            [("Bridge tolls rise", "https://city.example/tolls"), ("Ferry strike ends", None)],
        )
        update_article(s, stored, edited)
    engine.dispose()
    proc = subprocess.Popen(
        [NEWSDESK, "--db", db, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    base = proc.stdout.readline().strip()
    assert base.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else base
    try:
        yield base.rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url: str, method: str = "GET") -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, json.loads(body) if body.startswith(b"{") else {}


def test_the_json_api_answers_the_same_queries_and_nothing_else(site: str) -> None:
    status, found = get(f"{site}/api/articles?q=tunnel")
    assert status == 200 and found["total"] == 1
    (hit,) = found["articles"]
    assert hit["title"] == "Harbour tunnel opens to traffic" and "[tunnel]" in hit["snippet"]
    status, one = get(f"{site}/api/articles/{hit['id']}")
    assert [h["url"] for h in one["headline_links"]] == ["https://city.example/tolls", None]
    assert [v["title"] for v in one["versions"]] == ["Harbour tunnel opens"]
    status, runs = get(f"{site}/api/runs")
    assert runs["sources"][0]["source"] == "city" and runs["sources"][0]["articles"] == 3
    assert runs["runs"][0]["late_by"] is None  # a manual run has no planned time
    assert get(f"{site}/api/articles?since=soon")[0] == 400
    assert get(f"{site}/api/articles/999")[0] == 404
    status, versions = get(f"{site}/api/articles/{hit['id']}/versions")
    (change,) = versions["changes"]
    assert status == 200 and (change["from"], change["to"], change["kind"]) == (1, 2, "title")
    assert change["title"] == [["=", "Harbour tunnel opens "], ["+", "to traffic"]]
    assert ["-", "light."] in change["body"] and ["+", "heavy by noon."] in change["body"]
    assert get(f"{site}/api/articles/999/versions")[0] == 404
    assert get(f"{site}/api/articles", method="POST")[0] == 405
    assert get(f"{site}/api/articles", method="DELETE")[0] == 405


def test_an_atom_feed_of_edits_puts_title_changes_first(site: str) -> None:
    import xml.etree.ElementTree as ET

    with urllib.request.urlopen(f"{site}/feeds/edits.xml", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.read())
    atom = "{http://www.w3.org/2005/Atom}"
    (entry,) = feed.findall(f"{atom}entry")
    assert (
        entry.findtext(f"{atom}title")
        == "Title changed: Harbour tunnel opens → Harbour tunnel opens to traffic"
    )
    links = {link.get("rel", "alternate"): str(link.get("href")) for link in entry.findall(f"{atom}link")}
    assert links["related"] == "https://city.example/tunnel" and links["alternate"].startswith(
        f"{site}/articles/"
    )
    assert "title change, version 1 → 2" in (entry.findtext(f"{atom}summary") or "")


def test_metrics_in_prometheus_text_format(site: str) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"{site}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples
    }
    assert samples[("newsdesk_runs_total", (("source", "city"), ("status", "ok")))] == 1
    assert samples[("newsdesk_articles", (("source", "city"),))] == 3
    assert samples[("newsdesk_source_health", (("health", "ok"), ("source", "city")))] == 1
    assert samples[("newsdesk_source_health", (("health", "failing"), ("source", "city")))] == 0
    assert ("newsdesk_last_run_duration_seconds", (("source", "city"),)) in samples
    assert {"newsdesk_pages", "newsdesk_stored", "newsdesk_errors"} <= set(families)


def test_a_person_searches_opens_an_article_and_no_script_from_its_text_runs(
    site: str, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        reason = "Chromium is not installed (apt-get install chromium): browser test skipped"
        if os.environ.get("NEWSDESK_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    today = datetime.now(UTC).date().isoformat()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page()
        page.goto(f"{site}/")
        assert page.locator("#count").inner_text() == "3 articles"
        page.fill("input[name=q]", "tunnel")
        page.click("button[type=submit]")
        page.wait_for_url("**/?q=tunnel*")
        assert page.locator("#count").inner_text() == "1 article"
        page.click("a.title")
        page.wait_for_url("**/articles/*")
        assert page.locator("h1").inner_text() == "Harbour tunnel opens to traffic"
        assert page.locator("#headlines li").all_inner_texts() == ["Bridge tolls rise", "Ferry strike ends"]
        assert page.locator("#headlines a").get_attribute("href") == "https://city.example/tolls"
        assert "version 1" in page.locator("#versions").inner_text()
        assert "version 1 → 2" in page.locator("#changes h3").inner_text()
        assert page.locator("#changes ins").all_inner_texts() == ["to traffic", "heavy by noon."]
        assert page.locator("#changes del").all_inner_texts() == ["light."]
        assert "Fetched by run" in page.locator("#run").inner_text()
        page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
        assert (tmp_path / "article.png").stat().st_size > 10_000

        # Charts are SVG drawn on the server: bars and points with their values as titles.
        page.goto(f"{site}/?q=tunnel&until=2026-11-30")
        assert page.locator("#per-day rect.bar").count() == 30
        assert "2026-11-20: 1" in page.locator("#per-day rect.bar title").all_text_contents()
        page.goto(f"{site}/runs")
        assert "late" in page.locator("#runs th").all_inner_texts()  # how late a scheduled run started
        page.click("#sources a:text('city')")
        page.wait_for_url("**/sources/city")
        assert page.locator("#stored rect.bar").count() == 30
        assert page.locator("#stored rect.bar title").last.text_content() == f"{today}: 3"
        assert (
            page.locator("#durations rect.bar").count() == 1 and page.locator("#errors rect.bar").count() == 1
        )
        assert page.locator("#quality circle.point").count() == 3  # one run, three shares
        assert "no date 33%" in " ".join(page.locator("#quality circle.point title").all_text_contents())
        page.screenshot(path=str(tmp_path / "source.png"), full_page=True)
        assert (tmp_path / "source.png").stat().st_size > 10_000

        page.goto(f"{site}/?q=comments")
        page.click("a.title")
        page.wait_for_url("**/articles/*")
        text = page.locator("article .body").inner_text()
        assert '<script>document.body.setAttribute("data-pwned", "script")</script>' in text
        assert "<img src=x onerror=" in text
        assert page.evaluate("document.body.getAttribute('data-pwned')") is None
        browser.close()


def test_a_query_that_runs_too_long_is_stopped(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from web.app import create_app

    engine = connect(f"sqlite:///{tmp_path / 'news.db'}")
    create_app(engine, query_timeout=0.3)
    endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    with engine.connect() as conn, pytest.raises(OperationalError, match="interrupted"):
        conn.execute(text(endless))
    with engine.connect() as conn:  # the next query on the same connection gets its own time
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar_one() == 0
    engine.dispose()


def test_out_of_range_and_odd_input_gets_a_clear_json_answer(site: str) -> None:
    for path, status in [
        ("/api/articles/99999999999999999999", 404),
        ("/api/articles/2147483648", 404),
        ("/api/articles?limit=%C2%B2", 400),  # a superscript two: a digit to isdigit(), not to int()
        ("/api/articles?since=0001-01-01T00:00:00%2B14:00", 200),
        ("/api/articles?until=9999-12-31T23:59:59-14:00", 200),
        ("/api/articles?q=-harbour", 400),
        ("/api/articles?q=" + "a*+" * 4000, 400),  # thousands of prefixes: refused, not run
        ("/api/nothing-here", 404),
    ]:
        code, body = get(f"{site}{path}")
        assert code == status, path
        assert status == 200 or body.get("error"), path  # a JSON body that says what is wrong
    assert "limit" in get(f"{site}/api/articles?limit=%C2%B2")[1]["error"]
    # Wide date bounds are simply no bound: the three articles are all there.
    assert get(f"{site}/api/articles?since=0001-01-01T00:00:00%2B14:00")[1]["total"] == 3


def test_pages_refuse_to_be_framed_and_language_is_not_a_pattern(site: str) -> None:
    with urllib.request.urlopen(f"{site}/", timeout=10) as response:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert get(f"{site}/api/articles?language=%25")[1]["total"] == 0
    assert get(f"{site}/api/articles?language=en")[1]["total"] == 3
