"""Sources whose article text is put in by JavaScript: fetched through the system's Chromium
(scrapy-playwright) with `render = true`, or only when the plain fetch gave no text with `render = "auto"`;
a public source's rendered page loads nothing from a private address."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Server, newsdesk
from tests.test_incremental import page, rss, site, story

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    reason = "Chromium is not installed (apt-get install chromium): rendering tests skipped"
    if os.environ.get("NEWSDESK_REQUIRE_SERVICES"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

LINES = [
    "Thousands of paper lanterns were hung across the old town on Saturday evening, as the festival returned.",
    "Volunteers spent three weeks folding and painting them in the library hall after closing time each night.",
    "The organisers said the lanterns would be collected after the weekend and stored for next year's festival.",
]


def scripted(title: str, extra_head: str = "") -> str:
    """An article page whose paragraphs are put in by a script: empty to a plain fetch."""
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{extra_head}</head><body>"
        "<nav><a href='/'>The Paper</a></nav>"
        f"<article><h1>{title}</h1><div id='story'></div></article><script>"
        f"for (const text of {json.dumps(LINES)}) {{"
        "  const p = document.createElement('p'); p.textContent = text;"
        "  document.getElementById('story').appendChild(p); }"
        "</script></body></html>"
    )


def bodies(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return {url.rsplit("/", 1)[-1]: body for url, body in conn.execute("select url, body from articles")}


def article_fetches(server: Server) -> list[str]:
    return sorted(line.split()[1] for line in server.requests() if line.split()[1].endswith(".html"))


@pytest.mark.parametrize(
    ("render", "fetched"),
    [
        ("false", ["/plain.html", "/scripted.html"]),
        ('true\nrender_wait = "article p"', ["/plain.html", "/scripted.html"]),
        ('"auto"', ["/plain.html", "/scripted.html", "/scripted.html"]),  # only the empty one again
    ],
)
def test_a_page_written_by_a_script_is_stored_with_its_text_when_rendered(
    tmp_path: Path, render: str, fetched: list[str]
) -> None:
    folder = site(
        tmp_path / "paper",
        {
            "feed.xml": rss(["/scripted.html", "/plain.html"]),
            "scripted.html": scripted("Lanterns light the old town"),
            "plain.html": page("Council approves budget", story(7)),
        },
    )
    server = Server(folder, log=tmp_path / "requests.log")
    db = tmp_path / "news.db"
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\nrender = {render}\n'
        )
        crawled = newsdesk("--db", f"sqlite:///{db}", "crawl", "paper", "--format", "json", cwd=tmp_path)
    finally:
        server.stop()
    assert crawled.returncode == 0, crawled.stderr
    stored = bodies(db)
    assert stored["plain.html"].split("\n\n") == story(7)
    if render == "false":
        assert stored["scripted.html"] == ""  # title only: the text needs a browser
    else:
        assert stored["scripted.html"].split("\n\n") == LINES
    assert article_fetches(server) == fetched
    assert not subprocess.run(["pgrep", "-f", "chromium.*--headless"], capture_output=True).stdout


# A forward proxy that serves every host from the local test server (so a source can be on a made-up
# public name), logging each URL it is asked for.
PROXY = """
import http.server, sys, urllib.error, urllib.request, urllib.parse
origin, log = sys.argv[1], open(sys.argv[2], "a")
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(self.path + "\\n"); log.flush()
        parts = urllib.parse.urlsplit(self.path)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            answer = opener.open(origin + parts.path, timeout=10)
            status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read()
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "text/html"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def test_a_public_sources_rendered_page_loads_nothing_from_a_private_address(tmp_path: Path) -> None:
    folder = tmp_path / "paper"
    server_log = tmp_path / "requests.log"
    server = Server(site(folder, {}), log=server_log)
    # The page asks the browser for a script on this machine's loopback: it must not be fetched.
    (folder / "scripted.html").write_text(
        scripted("Lanterns light the old town", f"<script src='{server.base_url}/probe.js'></script>")
    )
    (folder / "probe.js").write_text("document.title = 'probed';")
    (folder / "feed.xml").write_text(rss(["/scripted.html"]).replace("{{BASE}}", "http://paper.test"))
    asked = tmp_path / "proxy.log"
    proxy = subprocess.Popen(
        [sys.executable, "-c", PROXY, server.base_url, str(asked)], stdout=subprocess.PIPE, text=True
    )
    assert proxy.stdout is not None
    port = proxy.stdout.readline().strip()
    db = tmp_path / "news.db"
    try:
        (tmp_path / "sources.toml").write_text(
            '[[source]]\nname = "paper"\nfeeds = ["http://paper.test/feed.xml"]\nrender = true\n'
            f'proxy = "http://127.0.0.1:{port}"\n'
        )
        crawled = newsdesk("--db", f"sqlite:///{db}", "crawl", "paper", "--format", "json", cwd=tmp_path)
    finally:
        server.stop()
        proxy.terminate()
        proxy.wait(timeout=10)
    assert crawled.returncode == 0, crawled.stderr
    assert "http://paper.test/scripted.html" in asked.read_text().splitlines()  # rendered through the proxy
    assert bodies(db)["scripted.html"].split("\n\n") == LINES
    with sqlite3.connect(db) as conn:
        assert conn.execute("select title from articles").fetchone() == ("Lanterns light the old town",)
    assert not [line for line in server.requests() if "/probe.js" in line]


def test_fetch_render_and_a_missing_browser(tmp_path: Path) -> None:
    folder = site(tmp_path / "paper", {"scripted.html": scripted("Lanterns light the old town")})
    server = Server(folder)
    try:
        plain = newsdesk("fetch", f"{server.base_url}/scripted.html", "--format", "json", cwd=tmp_path)
        rendered = newsdesk(
            "fetch", f"{server.base_url}/scripted.html", "--render", "--format", "json", cwd=tmp_path
        )
        without = newsdesk(
            "fetch",
            f"{server.base_url}/scripted.html",
            "--render",
            cwd=tmp_path,
            env={"NEWSDESK_CHROMIUM": str(tmp_path / "no-such-browser")},
        )
    finally:
        server.stop()
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["articles"][0]["body"] == ""
    assert rendered.returncode == 0, rendered.stderr
    assert json.loads(rendered.stdout)["articles"][0]["body"].split("\n\n") == LINES
    assert without.returncode == 1
    assert "rendering needs Chromium: install it (Debian/Ubuntu: apt-get install chromium)" in without.stderr
