"""Boundaries: a public source fetches no address inside this machine's networks, and a server that
asks for time (429/503 with Retry-After) gets it, or is left alone for this run when it asks too much."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.addresses import PrivateAddressMiddleware, is_private_host
from tests.conftest import Server, newsdesk, spider_crawler

ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><title>{t}</title></head><body><article><h1>{t}</h1>"
    "<p>The harbour board met on Monday and agreed to open the new ferry terminal in the spring, after "
    "two years of building work and a long argument about parking.</p></article></body></html>"
)


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("10.20.30.40", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata service
        ("[::1]", True),
        ("0.0.0.0", True),
        ("93.184.216.34", False),
        ("news.example.invalid", False),  # does not resolve: fetching it fails by itself
    ],
)
def test_private_addresses_are_recognised(host: str, private: bool) -> None:
    assert is_private_host(host) is private


def gate_for(tmp_path: Path, feed: str) -> PrivateAddressMiddleware:
    (tmp_path / "sources.toml").write_text(f'[[source]]\nname = "site"\nfeeds = ["{feed}"]\n')
    crawler = spider_crawler({"NEWSDESK_SOURCES": str(tmp_path / "sources.toml")}, source="site")
    return PrivateAddressMiddleware.from_crawler(crawler)


def check(gate: PrivateAddressMiddleware, url: str) -> None:
    asyncio.run(gate.process_request(Request(url)))


def test_a_public_source_is_not_led_to_a_private_address(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, "https://news.example.invalid/rss.xml")
    check(gate, "https://news.example.invalid/2026/story")  # its own site: fine
    for url in ("http://127.0.0.1:8080/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"):
        with pytest.raises(IgnoreRequest, match="private address"):
            check(gate, url)
    assert gate.stats.get_value("newsdesk/private_address") == 3


def test_a_source_on_a_private_network_may_fetch_there(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, "http://127.0.0.1:8080/rss.xml")
    for url in ("http://10.0.0.5/2026/story", "http://127.0.0.1:8080/2026/other", "http://[::1]/"):
        check(gate, url)  # no IgnoreRequest
    assert gate.stats.get_value("newsdesk/private_address") is None


def test_429_with_retry_after_is_retried_after_the_time_asked_and_a_long_wait_is_not(
    tmp_path: Path, sqlite_url: str
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    items = "".join(
        f"<item><title>{n}</title><link>{{{{BASE}}}}/{n}.html</link></item>" for n in ("busy", "closed")
    )
    (site / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    )
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (site / "busy.html").write_text(ARTICLE.format(t="Busy"))
    (site / "closed.html").write_text(ARTICLE.format(t="Closed"))
    (site / "_routes.json").write_text(
        json.dumps(
            {
                "/busy.html": {"status": 429, "times": 1, "headers": {"Retry-After": "2"}},
                "/closed.html": {"status": 503, "headers": {"Retry-After": "3600"}},
            }
        )
    )
    server = Server(site, log=tmp_path / "requests.log")
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "site"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        started = time.monotonic()
        result = newsdesk("--db", sqlite_url, "crawl", "site", "--format", "json", cwd=tmp_path, timeout=120)
        took = time.monotonic() - started
        log = [line.split() for line in server.requests()]
    finally:
        server.stop()
    (run,) = json.loads(result.stdout)
    busy = [(status, float(at)) for status, path, at, _ in log if path == "/busy.html"]
    assert [s for s, _ in busy] == ["429", "200"] and busy[1][1] - busy[0][1] >= 1.9
    assert [status for status, path, *_ in log if path == "/closed.html"] == ["503"]  # asked for an hour
    assert run["stored"] == 1 and run["errors"] == 1
    assert took < 60
