"""How a source's requests go out: through its proxy (a local forward proxy in the test sees every one,
with the proxy's credentials), as its user agent, with its headers and cookies; and the secrets in them
are never printed."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import Server, newsdesk
from tests.test_incremental import page, rss, site, story

# A forward proxy for plain HTTP: logs each request (its target and headers) as a JSON line, then fetches
# it and passes the answer back.
PROXY = """
import http.server, json, sys, urllib.error, urllib.request
log = open(sys.argv[1], "a")
SKIP = {"proxy-authorization", "proxy-connection", "connection", "host", "keep-alive", "accept-encoding"}
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(json.dumps({"url": self.path, "headers": dict(self.headers)}) + "\\n"); log.flush()
        ask = urllib.request.Request(self.path, headers={k: v for k, v in self.headers.items() if k.lower() not in SKIP})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            answer = opener.open(ask, timeout=10)
            status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read()
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
PATHS = ["/one.html", "/two.html", "/three.html"]


def test_a_source_goes_through_its_proxy_with_its_agent_headers_and_cookies(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = site(
        tmp_path / "paper",
        {
            "feed.xml": rss(PATHS),
            **{p.lstrip("/"): page(f"Story {p}", story(70 + i)) for i, p in enumerate(PATHS)},
        },
    )
    seen = tmp_path / "proxy.jsonl"
    proxy = subprocess.Popen([sys.executable, "-c", PROXY, str(seen)], stdout=subprocess.PIPE, text=True)
    assert proxy.stdout is not None
    port = proxy.stdout.readline().strip()
    server = Server(folder)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\n'
            f'proxy = "http://alice:s3cret@127.0.0.1:{port}"\nuser_agent = "NewsBot/2 (+https://paper.example/bot)"\n'
            'headers = { X-Team = "desk" }\ncookies = { consent = "yes", region = "eu" }\n'
        )
        result = newsdesk("--db", sqlite_url, "crawl", "paper", "--format", "json", cwd=tmp_path)
        shown = [
            newsdesk("--db", sqlite_url, *args, cwd=tmp_path)
            for args in (("sources",), ("runs", "--format", "json"))
        ]
    finally:
        server.stop()
        proxy.terminate()
        proxy.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    (run,) = json.loads(result.stdout)
    assert run["stored"] == 3
    requests = [json.loads(line) for line in seen.read_text().splitlines()]
    urls = {r["url"].removeprefix(server.base_url) for r in requests}
    assert {"/robots.txt", "/feed.xml", *PATHS} <= urls  # every request of the source went through it
    credentials = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    for r in requests:
        headers = {k.lower(): v for k, v in r["headers"].items()}
        assert headers["proxy-authorization"] == credentials
        assert headers["user-agent"] == "NewsBot/2 (+https://paper.example/bot)"
        assert headers["x-team"] == "desk" and headers["cookie"] == "consent=yes; region=eu"
    for output in (result, *shown):  # the password is never printed
        assert "s3cret" not in output.stdout + output.stderr


def test_bad_request_settings_are_reported_without_their_secrets(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "paper"\nfeeds = ["https://paper.example/rss"]\n'
        'proxy = ["ftp://bob:hunter2@proxy.example"]\nheaders = { Host = "x" }\ncookies = "consent=yes"\n'
    )
    checked = newsdesk("sources", "--check", cwd=tmp_path)
    out = checked.stdout + checked.stderr
    assert checked.returncode != 0
    assert "'proxy' #1 must be an http:// or https:// proxy URL" in out and "hunter2" not in out
    assert "'headers' may not set Host" in out and "'cookies' must be a table" in out
