"""A small static web server on 127.0.0.1 for the demo site and the tests' fixture sites.

A site is a mapping of paths to responses; `{{BASE}}` in a text body becomes the server's own base URL
(feeds and sitemaps need absolute links). As a program it serves a folder:

    python -m demo.server FOLDER [--port 0]     # prints the base URL on its first line, then serves

where FOLDER/_routes.json may add {"/path": {"redirect": "/other"}} or {"/path": {"status": 500}}
or {"/path": {"delay": 2.5}} or {"/path": {"content_type": "application/pdf"}} entries.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import mimetypes
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

BASE_PLACEHOLDER = b"{{BASE}}"


@dataclass
class Page:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Site = dict[str, Page]


def load_folder(folder: Path) -> Site:
    """Every file under `folder` at its relative path (index.html also at its folder's path)."""
    site: Site = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name == "_routes.json":
            continue
        rel = "/" + path.relative_to(folder).as_posix()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("xml", "json")):
            ctype += "; charset=utf-8"
        site[rel] = Page(path.read_bytes(), ctype)
        if path.name == "index.html":
            site[rel[: -len("index.html")]] = site[rel]
    routes = folder / "_routes.json"
    if routes.exists():
        for route, spec in json.loads(routes.read_text()).items():
            page = site.get(route) or Page(b"", status=404)
            if "redirect" in spec:
                page = Page(b"", status=spec.get("status", 301), headers={"Location": spec["redirect"]})
            if "status" in spec and "redirect" not in spec:
                page.status = spec["status"]
            page.delay = float(spec.get("delay", 0.0))
            page.content_type = spec.get("content_type", page.content_type)
            site[route] = page
    return site


class SiteServer:
    """Serve `site` on 127.0.0.1:`port` (0: any free port) in a background thread."""

    def __init__(self, site: Site, port: int = 0):
        self.site = site
        self.hits: list[str] = []
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802  # http.server's naming
                server_self.hits.append(self.path)
                page = server_self.find(self.path)
                if page is None:
                    page = Page(b"<html><body><h1>Not found</h1></body></html>", status=404)
                if page.delay:
                    time.sleep(page.delay)
                body = page.body.replace(BASE_PLACEHOLDER, server_self.base_url.encode())
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in page.headers.items():
                    self.send_header(key, value.replace("{{BASE}}", server_self.base_url))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # base signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="site-server", daemon=True)

    def find(self, raw_path: str) -> Page | None:
        parts = urlsplit(raw_path)
        return self.site.get(raw_path) or self.site.get(parts.path)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a folder as a site on 127.0.0.1.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with SiteServer(load_folder(args.folder), args.port) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.thread.join()
    sys.exit(0)


if __name__ == "__main__":
    main()
