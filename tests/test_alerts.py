"""Watching sources: a redesign that empties every article body flags the source `degraded` and sends one
alert through Apprise to a local JSON webhook; while it lasts nothing more is sent; the recovery sends one
"ok again" message. The real `newsdesk crawl` against a local site whose pages the test swaps."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, newsdesk
from tests.test_incremental import crawl, page, rss, site, story

# A webhook: every POST body becomes one line of the file named on the command line.
WEBHOOK = """
import http.server, sys
log = open(sys.argv[1], "a")
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        log.write(body.decode() + "\\n"); log.flush()
        self.send_response(200); self.end_headers()
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 0), Hook)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
ARTICLES = [f"/story{i}.html" for i in range(6)]


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    received = tmp_path / "received.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WEBHOOK, str(received)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    try:
        yield f"json://127.0.0.1:{port}/hook", received
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def messages(received: Path) -> list[dict]:
    return [json.loads(line) for line in received.read_text().splitlines()] if received.exists() else []


def publish(folder: Path, redesigned: bool) -> None:
    for i, path in enumerate(ARTICLES):
        title = f"Story number {i}"
        html = (
            f"<html><head><title>{title}</title></head><body><div id='app'></div>"
            "<script src='/app.js'></script></body></html>"
            if redesigned
            else page(title, story(100 + i))
        )
        (folder / path.lstrip("/")).write_text(html)


def health(tmp_path: Path, db: str) -> str:
    result = newsdesk("--db", db, "sources", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (paper,) = json.loads(result.stdout)
    return str(paper["health"])


def test_a_redesign_that_empties_bodies_is_flagged_and_alerted_once(
    tmp_path: Path, sqlite_url: str, webhook: tuple[str, Path]
) -> None:
    url, received = webhook
    folder = site(tmp_path / "paper", {"feed.xml": rss(ARTICLES)})
    publish(folder, redesigned=False)
    server = Server(folder)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\nrefresh_after = "0s"\n'
            f'\n[alerts]\nurls = ["{url}"]\n'
        )
        (first,) = crawl(tmp_path, sqlite_url, "paper")
        assert first["quality"]["pages"] == 6 and first["quality"]["empty_body"] == 0
        assert health(tmp_path, sqlite_url) == "ok" and messages(received) == []

        publish(folder, redesigned=True)
        (second,) = crawl(tmp_path, sqlite_url, "paper")
        assert second["status"] == "ok" and second["quality"]["empty_body"] == 1.0
        assert (
            "extraction drifted from this source's usual: empty bodies on 100% of 6 pages"
            in second["message"]
        )
        assert health(tmp_path, sqlite_url) == (
            "degraded: empty bodies on 100% of 6 pages (usually 0%); median body 0 characters (usually 657)"
        )
        (alert,) = messages(received)
        assert alert["title"] == "newsdesk: paper is degraded"
        assert "empty bodies on 100% of 6 pages" in alert["message"]
        assert f"last run {second['id']}" in alert["message"]

        crawl(tmp_path, sqlite_url, "paper")  # still broken: nothing more is sent
        assert len(messages(received)) == 1

        publish(folder, redesigned=False)
        crawl(tmp_path, sqlite_url, "paper")
    finally:
        server.stop()
    assert health(tmp_path, sqlite_url) == "ok"
    assert [m["title"] for m in messages(received)] == [
        "newsdesk: paper is degraded",
        "newsdesk: paper is ok again",
    ]


def test_an_alert_that_cannot_be_delivered_does_not_break_the_crawl_and_goes_out_later(
    tmp_path: Path, sqlite_url: str
) -> None:
    with socket.socket() as probe:  # a port nobody listens on, until the webhook starts there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = tmp_path / "received.jsonl"
    folder = site(tmp_path / "paper", {"feed.xml": rss(ARTICLES)})
    publish(folder, redesigned=False)
    server = Server(folder)
    hook = None
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\nrefresh_after = "0s"\n'
            f'\n[alerts]\nurls = ["json://127.0.0.1:{port}/hook"]\n'
        )
        crawl(tmp_path, sqlite_url, "paper")
        publish(folder, redesigned=True)
        (down,) = crawl(tmp_path, sqlite_url, "paper")  # the webhook is down: the crawl is not
        assert down["status"] == "ok" and messages(received) == []
        hook = subprocess.Popen(
            [sys.executable, "-c", WEBHOOK, str(received), str(port)], stdout=subprocess.PIPE
        )
        assert hook.stdout is not None and hook.stdout.readline().strip() == str(port).encode()
        crawl(tmp_path, sqlite_url, "paper")
    finally:
        server.stop()
        if hook is not None:
            hook.terminate()
            hook.wait(timeout=10)
    assert [m["title"] for m in messages(received)] == ["newsdesk: paper is degraded"]


def test_alerts_test_sends_a_message_and_bad_urls_are_reported(
    tmp_path: Path, webhook: tuple[str, Path]
) -> None:
    url, received = webhook
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "paper"\nfeeds = ["https://paper.example/rss"]\n\n[alerts]\nurls = ["{url}"]\n'
    )
    result = newsdesk("--sources", str(sources), "alerts", "--test", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "delivered to 1 alert URL" in result.stdout
    (message,) = messages(received)
    assert message["title"] == "newsdesk: test message" and "source health changes" in message["message"]

    sources.write_text(
        '[[source]]\nname = "paper"\nfeeds = ["https://paper.example/rss"]\n\n[alerts]\nurls = ["nope://secret-token@x"]\n'
    )
    checked = newsdesk("--sources", str(sources), "sources", "--check", cwd=tmp_path)
    assert checked.returncode != 0
    assert "url #1 is not an Apprise URL" in checked.stdout + checked.stderr
    assert "secret-token" not in checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        ({"status": 403}, "403 on 4 of 6 requests"),
        (
            {
                "body": "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"
            },
            "a bot wall on 4 of 6 requests",
        ),
    ],
)
def test_a_site_that_refuses_the_crawler_makes_the_run_failed_and_the_source_blocked(
    tmp_path: Path, sqlite_url: str, refusal: dict, reason: str
) -> None:
    paths = [f"/story{i}.html" for i in range(4)]
    pages = {p.lstrip("/"): page(f"Story {p}", story(i)) for i, p in enumerate(paths)}
    if "body" in refusal:
        pages = dict.fromkeys(pages, refusal["body"])
    routes = {p: refusal for p in paths} if "status" in refusal else None
    folder = site(tmp_path / "paper", {"feed.xml": rss(paths), **pages}, routes)
    server = Server(folder)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        result = newsdesk("--db", sqlite_url, "crawl", "paper", "--format", "json", cwd=tmp_path)
    finally:
        server.stop()
    assert result.returncode == 1, result.stderr
    (run,) = json.loads(result.stdout)
    assert (
        run["status"] == "failed"
        and run["message"].startswith(f"blocked: {reason}")
        and run["blocked"] == reason
    )
    assert run["stored"] == 0  # a refusal or a wall is no article
    assert health(tmp_path, sqlite_url) == f"blocked: {reason} in the last run (the site refuses the crawler)"
