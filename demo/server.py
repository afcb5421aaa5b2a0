"""A small static web server on 127.0.0.1 for the demo site and the tests' fixture sites.

A site is a mapping of paths to responses; `{{BASE}}` in a text body becomes the server's own base URL
(feeds and sitemaps need absolute links). As a program it serves a folder:

    python -m demo.server FOLDER [--port 0]     # prints the base URL on its first line, then serves

where FOLDER/_routes.json may add {"/path": {"redirect": "/other"}} or {"/path": {"status": 500}}
or {"/path": {"delay": 2.5}} or {"/path": {"content_type": "application/pdf"}} entries, and
{"/path": {"status": 429, "times": 1, "headers": {"Retry-After": "2"}}} answers so only the first time(s);
{"/path": {"fault": "reset"}} drops the connection unanswered, "truncate" sends half the promised body,
and "gzip-bomb" sends 64 MiB of zeros gzipped to 64 KiB.
The folder is read again when it changes (edit a page, the next request gets the new one); `--log FILE`
appends one "STATUS PATH UNIXTIME IN_FLIGHT" line per request (IN_FLIGHT: the requests being answered at
that moment, this one included). Pages carry an ETag and answer a matching If-None-Match with 304.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import mimetypes
import socket
import struct
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
    times: int | None = None  # answer with `status` and `headers` this many times, then as a plain 200
    fault: str = ""  # reset | truncate | gzip-bomb


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
            page.headers.update(spec.get("headers", {}))
            page.times = spec.get("times")
            page.fault = spec.get("fault", "")
            if page.fault == "gzip-bomb":
                page.body = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)
                page.headers["Content-Encoding"] = "gzip"
            page.delay = float(spec.get("delay", 0.0))
            page.content_type = spec.get("content_type", page.content_type)
            site[route] = page
    return site


def _stamp(folder: Path) -> list[tuple[str, int, int]]:
    """What changes when a file under `folder` is added, removed or rewritten."""
    return sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file())


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-answer (a crawler past its size limit, a test that is done) is normal.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class SiteServer:
    """Serve `site` on 127.0.0.1:`port` (0: any free port) in a background thread."""

    def __init__(
        self,
        site: Site,
        port: int = 0,
        folder: Path | None = None,
        log: Path | None = None,
        host: str = "127.0.0.1",  # any loopback address (127.0.0.2, ...) for a site of its own host name
    ):
        self.site = site
        self.folder = folder
        self.folder_stamp = _stamp(folder) if folder else None
        self.log = log
        self.hits: list[str] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.in_flight = 0  # requests being answered now
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802  # http.server's naming
                with server_self.lock:
                    server_self.in_flight += 1
                try:
                    self.answer()
                finally:
                    with server_self.lock:
                        server_self.in_flight -= 1

            def answer(self) -> None:
                server_self.hits.append(self.path)
                page = server_self.find(self.path)
                if page is None:
                    page = Page(b"<html><body><h1>Not found</h1></body></html>", status=404)
                if page.delay:
                    time.sleep(page.delay)
                body = page.body.replace(BASE_PLACEHOLDER, server_self.base_url.encode())
                status = page.status
                if page.times is not None:
                    served = server_self.counts.get(self.path, 0)
                    server_self.counts[self.path] = served + 1
                    if served >= page.times:
                        page = Page(page.body, page.content_type)
                        status = 200
                etag = f'"{hashlib.sha1(body).hexdigest()}"'
                if status == 200 and etag in self.headers.get("If-None-Match", ""):
                    status, body = 304, b""
                server_self.record(status, self.path)
                if page.fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(body) * (2 if page.fault == "truncate" else 1)))
                if page.status == 200:
                    self.send_header("ETag", etag)
                for key, value in page.headers.items():
                    self.send_header(key, value.replace("{{BASE}}", server_self.base_url))
                self.end_headers()
                self.wfile.write(body)
                if page.fault == "truncate":
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # base signature
                pass

        self.httpd = _Server((host, port), Handler)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="site-server", daemon=True)

    def record(self, status: int, path: str) -> None:
        if self.log:
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(f"{status} {path} {time.time():.3f} {self.in_flight}\n")

    def find(self, raw_path: str) -> Page | None:
        stamp = _stamp(self.folder) if self.folder else None
        if stamp != self.folder_stamp:
            assert self.folder is not None
            self.folder_stamp = stamp
            self.site = load_folder(self.folder)
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
    parser.add_argument(
        "--log", type=Path, help="append 'STATUS PATH UNIXTIME IN_FLIGHT' per request to this file"
    )
    args = parser.parse_args()
    with SiteServer(load_folder(args.folder), args.port, args.folder, args.log) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.thread.join()
    sys.exit(0)


if __name__ == "__main__":
    main()
