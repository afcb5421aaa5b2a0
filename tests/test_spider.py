"""The news spider's callbacks on built responses: what it requests from feeds, sitemaps and listings."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from sqlalchemy.orm import Session

from crawler.items import PageItem
from crawler.middlewares import ArticleRequestsMiddleware
from crawler.spiders.news import NewsSpider
from extraction import MAX_PAGE_BYTES
from storage.articles import mark_seen
from storage.db import Database, connect
from tests.conftest import spider_crawler

BASE = "https://paper.example"
SOURCES = f"""
[[source]]
name = "paper"
feeds = ["{BASE}/rss.xml"]
sitemaps = ["{BASE}/sitemap.xml"]
start_urls = ["{BASE}/"]
allow = ['^{BASE}/\\d{{4}}/']
deny = ['/video/']
follow_depth = 2
max_pages = 4
"""


@pytest.fixture
def spider(tmp_path: Path) -> NewsSpider:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES)
    crawler = spider_crawler({"NEWSDESK_SOURCES": str(path), "NEWSDESK_MAX_PAGES": 4}, source="paper")
    assert isinstance(crawler.spider, NewsSpider)
    return crawler.spider


def urls(results: Iterable[object]) -> list[str]:
    return [r.url for r in results if isinstance(r, Request)]


def test_rss_atom_and_json_feeds(spider: NewsSpider) -> None:
    rss = (
        f'<rss version="2.0"><channel><item><title>One</title><link>{BASE}/2026/one</link>'
        f"<pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>"
        f"<item><link>{BASE}/video/2026/clip</link></item></channel></rss>"
    ).encode()
    out = list(spider.parse_index(XmlResponse(f"{BASE}/rss.xml", body=rss), via="feed"))
    assert urls(out) == [f"{BASE}/2026/one"]
    assert isinstance(out[0], Request)
    assert out[0].cb_kwargs["title"] == "One" and out[0].cb_kwargs["published"].startswith("2026-11-24T10:00")
    atom = (
        f'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Two</title>'
        f'<link href="{BASE}/2026/two"/><updated>2026-11-24T10:00:00Z</updated></entry></feed>'
    ).encode()
    assert urls(list(spider.parse_index(XmlResponse(f"{BASE}/atom.xml", body=atom), via="feed"))) == [
        f"{BASE}/2026/two"
    ]
    jf = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [{"url": f"{BASE}/2026/three"}]})
    assert urls(
        list(spider.parse_index(TextResponse(f"{BASE}/feed.json", body=jf.encode()), via="feed"))
    ) == [f"{BASE}/2026/three"]


def test_sitemap_index_and_urlset(spider: NewsSpider) -> None:
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
        + f"{BASE}/sitemap-1.xml".encode()
        + b"</loc></sitemap></sitemapindex>"
    )
    assert urls(list(spider.parse_index(XmlResponse(f"{BASE}/sitemap.xml", body=index), via="sitemap"))) == [
        f"{BASE}/sitemap-1.xml"
    ]
    urlset = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b"".join(f"<url><loc>{BASE}/2026/a{i}</loc></url>".encode() for i in range(6))
        + b"</urlset>"
    )
    out = list(spider.parse_index(XmlResponse(f"{BASE}/sitemap-1.xml", body=urlset), via="sitemap"))
    assert urls(out) == [f"{BASE}/2026/a{i}" for i in range(6)]


def test_known_urls_are_dropped_before_max_pages_counts(tmp_path: Path) -> None:
    """A sitemap listing many stored articles must not use up the run's budget on them."""
    db = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    (tmp_path / "sources.toml").write_text(SOURCES)
    crawler = spider_crawler(
        {"NEWSDESK_SOURCES": str(tmp_path / "sources.toml"), "NEWSDESK_MAX_PAGES": 4, "NEWSDESK_DB": db},
        source="paper",
    )
    assert isinstance(crawler.spider, NewsSpider) and crawler.stats is not None
    engine = connect(db)
    with Session(engine) as session, session.begin():
        mark_seen(session, "paper", [f"{BASE}/2026/a{i}" for i in range(5)], None)
    engine.dispose()
    database = Database(db)
    gate = ArticleRequestsMiddleware(crawler.settings["NEWSDESK_SOURCE"], database, crawler.stats, 4)
    urlset = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b"".join(f"<url><loc>{BASE}/2026/a{i}?utm_source=map</loc></url>".encode() for i in range(11))
        + b"</urlset>"
    )
    response = XmlResponse(f"{BASE}/sitemap-1.xml", body=urlset)
    out = list(gate.process_spider_output(response, crawler.spider.parse_index(response, via="sitemap")))
    database.close()
    assert urls(out) == [f"{BASE}/2026/a{i}?utm_source=map" for i in range(5, 9)]
    stats = crawler.stats.get_stats()
    assert stats["newsdesk/skipped"] == 5 and stats["newsdesk/over_max_pages"] == 2


def test_a_long_sitemap_is_checked_against_the_store_in_order_and_within_budget(tmp_path: Path) -> None:
    """Known URLs are looked up a chunk at a time; what goes out is still the sitemap's order, every known
    URL skipped and the budget spent on new ones only, across chunk boundaries."""
    db = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    (tmp_path / "sources.toml").write_text(SOURCES)
    crawler = spider_crawler(
        {"NEWSDESK_SOURCES": str(tmp_path / "sources.toml"), "NEWSDESK_DB": db}, source="paper"
    )
    assert isinstance(crawler.spider, NewsSpider) and crawler.stats is not None
    listed = [f"{BASE}/2026/s{i}" for i in range(1000)]
    stored = listed[::3]
    engine = connect(db)
    with Session(engine) as session, session.begin():
        mark_seen(session, "paper", stored, None)
    engine.dispose()
    database = Database(db)
    gate = ArticleRequestsMiddleware(crawler.settings["NEWSDESK_SOURCE"], database, crawler.stats, 500)
    urlset = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b"".join(f"<url><loc>{url}</loc></url>".encode() for url in listed)
        + b"</urlset>"
    )
    response = XmlResponse(f"{BASE}/sitemap-1.xml", body=urlset)
    out = list(gate.process_spider_output(response, crawler.spider.parse_index(response, via="sitemap")))
    database.close()
    new = [url for url in listed if url not in set(stored)]
    assert urls(out) == new[:500]
    stats = crawler.stats.get_stats()
    assert stats["newsdesk/skipped"] == len(stored)
    assert stats["newsdesk/over_max_pages"] == len(new) - 500


def test_broken_index_is_counted_not_raised(spider: NewsSpider) -> None:
    out = list(spider.parse_index(XmlResponse(f"{BASE}/rss.xml", body=b"<html>oops</html>"), via="feed"))
    assert out == []
    assert spider.crawler.stats.get_value("newsdesk/bad_index") == 1  # type: ignore[union-attr]


def test_listing_follows_articles_and_listings_within_the_site(spider: NewsSpider) -> None:
    page = (
        b'<html><body><a href="/2026/story?utm_source=home">Story</a><a href="/world/">World</a>'
        b'<a href="/video/2026/x">Clip</a><a href="https://other.example/2026/y">Elsewhere</a></body></html>'
    )
    out = list(spider.parse_listing(HtmlResponse(f"{BASE}/", body=page), depth=0))
    assert urls(out) == [f"{BASE}/2026/story?utm_source=home", f"{BASE}/world/"]
    deeper = list(spider.parse_listing(HtmlResponse(f"{BASE}/world/", body=page), depth=1))
    assert urls(deeper) == [f"{BASE}/2026/story?utm_source=home"]  # follow_depth 2: no third level


def test_article_pages_become_raw_items(spider: NewsSpider) -> None:
    # As Scrapy's redirect middleware leaves it: the request that was answered, and where it started.
    request = Request(
        f"{BASE}/2026/one-final", meta={"redirect_urls": [f"{BASE}/2026/one", f"{BASE}/2026/one-moved"]}
    )
    response = HtmlResponse(
        f"{BASE}/2026/one-final",
        body=b"<html><body><p>Text</p></body></html>",
        request=request,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    (item,) = spider.parse_article(response, title="One", published=None)
    assert isinstance(item, PageItem)
    assert (
        item.source == "paper"
        and item.url == f"{BASE}/2026/one"
        and item.final_url == f"{BASE}/2026/one-final"
        and item.redirects == [f"{BASE}/2026/one-moved"]
    )
    assert "<p>Text</p>" in item.html and item.listed_title == "One"
    pdf = TextResponse(f"{BASE}/2026/doc", body=b"%PDF", headers={"Content-Type": "application/pdf"})
    assert list(spider.parse_article(pdf, title=None, published=None)) == []


def test_a_source_name_is_required() -> None:
    with pytest.raises(ValueError, match="source=NAME"):
        NewsSpider()


def test_a_gzip_bombed_sitemap_is_counted_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES)
    settings = {"NEWSDESK_SOURCES": str(path), "DOWNLOAD_MAXSIZE": MAX_PAGE_BYTES}  # as crawler.settings
    spider = spider_crawler(settings, source="paper").spider
    assert isinstance(spider, NewsSpider)
    bomb = gzip.compress(b"<urlset>" + b" " * (64 * 2**20) + b"</urlset>")  # 64 MiB in about 64 KiB
    out = list(spider.parse_index(Response(f"{BASE}/sitemap.xml.gz", body=bomb), via="sitemap"))
    assert out == []
    assert spider.crawler.stats.get_value("newsdesk/bad_index") == 1  # type: ignore[union-attr]


def test_an_entry_that_is_not_a_url_does_not_lose_the_rest_of_the_index(spider: NewsSpider) -> None:
    links = ["http://[::1", "https://[zz/2026/x", "//[::1/2026/b", f"{BASE}/2026/good"]
    sitemap = "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + "".join(
        f"<url><loc>{u}</loc></url>" for u in links
    )
    rss = "<rss version='2.0'><channel>" + "".join(f"<item><link>{u}</link></item>" for u in links)
    rss += (
        "<item><link>https://paper.example/2026/dated</link><pubDate>Fri, 31 Dec 99999 10:00:00 GMT</pubDate>"
    )
    feed = {"version": "https://jsonfeed.org/version/1.1", "items": [{"url": u, "title": 7} for u in links]}
    for response, via in (
        (XmlResponse(f"{BASE}/sitemap.xml", body=(sitemap + "</urlset>").encode()), "sitemap"),
        (XmlResponse(f"{BASE}/rss.xml", body=(rss + "</item></channel></rss>").encode()), "feed"),
        (TextResponse(f"{BASE}/feed.json", body=json.dumps(feed).encode()), "feed"),
    ):
        out = list(spider.parse_index(response, via=via))
        assert f"{BASE}/2026/good" in urls(out)
        assert all(isinstance(r.cb_kwargs["title"], str | None) for r in out if isinstance(r, Request))
    index = "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + "".join(
        f"<sitemap><loc>{u}</loc></sitemap>" for u in ["https://paper.example:port/a.xml", f"{BASE}/b.xml"]
    )
    out = list(
        spider.parse_index(XmlResponse(f"{BASE}/sitemap.xml", body=(index + "</sitemapindex>").encode()), "s")
    )
    assert urls(out) == [f"{BASE}/b.xml"]


# A broken feed on which feedparser itself raises (KeyError: 'links'), found by mutating a small RSS feed.
FEEDPARSER_BREAKER = b"<?xml version='1.0'?><rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/'><channel><title>T</title><item><title>One 0</title><link>https://paper.examp\xbee/2026/0<[/link><;ubDate>Tue, 24 Nov 2026 10'00:00 GMT</pubDate><guid>0</guid></item><item><title>One 1</title><link>https://paper.example/2026/1</link><pubDate>%Tue, 24 Nov 2026 10:00:00 GMT</pubDate><guid>1</guid></item>m><title>One 2</title><@link>https://paper.example/2026/2</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate><guid>2</guid></item><item><title>One 3</title><link>https://paper.example/2026/3</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate><guid>3</guid></item><item><title>One 4</title><link>https://pap&lt;er.example/2026/4</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate><guid>4</guid></item></channel></rss>"


def test_a_feed_that_breaks_feedparser_is_an_unreadable_index(spider: NewsSpider) -> None:
    out = list(spider.parse_index(XmlResponse(f"{BASE}/rss.xml", body=FEEDPARSER_BREAKER), via="feed"))
    assert out == []
    assert spider.crawler.stats.get_value("newsdesk/bad_index") == 1
