"""Raw capture: every article page's request and response as received (status, headers, body still
compressed as it came) go into gzip-compressed WARC files written with warcio, in the capture folder
(storage.capture); the item of the page records where its response record is.

The body Scrapy hands over is already de-chunked, so a `Transfer-Encoding: chunked` header is left out of
the record and `Content-Length` gives the body's length: the records read back as they were served.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Self
from urllib.parse import urlsplit

from isal import isal_zlib
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.capture import capture_folder, day_folder

logger = logging.getLogger(__name__)

# ISA-L's deflate at its level 1, in gzip members any gzip reader reads: a quarter of zlib's time at its
# level 1 for files as small (250 KiB HTML pages: 0.55 against 2.2 ms, 56.8 against 57.8 KiB).
GZIP_LEVEL = 1
MAX_WARC_BYTES = 256 * 2**20  # a file is closed and the next one begun past this size
META = "newsdesk_capture"  # request.meta: (file relative to the capture folder, offset of the response)


class WarcFiles:
    """The WARC files one crawl writes for one source: a new file per crawl process, per day and every
    MAX_WARC_BYTES."""

    def __init__(self, root: Path, source: str):
        self.root = root
        self.source = source
        self.handle: IO[bytes] | None = None
        self.path: Path | None = None
        self.count = 0

    def _file(self) -> tuple[IO[bytes], Path]:
        now = datetime.now(UTC)
        folder = day_folder(self.root, self.source, now.date())
        if self.handle is not None and self.path is not None:
            if self.path.parent == folder and self.handle.tell() < MAX_WARC_BYTES:
                return self.handle, self.path
            self.close()
        folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        self.path = folder / f"{now:%H%M%S}-{os.getpid()}-{self.count}.warc.gz"
        self.handle = open(self.path, "ab")  # noqa: SIM115  (kept open across records, closed by close())
        return self.handle, self.path

    def write(self, request: Request, response: Response) -> tuple[str, int]:
        """Write the response and request records; where the response record starts."""
        handle, path = self._file()
        records = io.BytesIO()
        writer = WARCWriter(records, gzip=False)
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
            if k.lower() not in (b"transfer-encoding", b"content-length")
        ]
        headers.append(("Content-Length", str(len(response.body))))
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        protocol = (response.protocol or "HTTP/1.1").upper()
        record = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            length=len(response.body),  # known: warcio then hashes the body without copying it twice
            http_headers=StatusAndHeaders(f"{response.status} {reason}", headers, protocol=protocol),
        )
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        asked = writer.create_warc_record(
            request.url,
            "request",
            payload=io.BytesIO(request.body),
            length=len(request.body),
            http_headers=StatusAndHeaders(
                f"{request.method} {target} {protocol}",
                [("Host", parts.netloc)]
                + [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, vs in request.headers.items()
                    for v in vs
                ],
                is_http_request=True,
            ),
        )
        asked.rec_headers.add_header("WARC-Concurrent-To", record.rec_headers.get_header("WARC-Record-ID"))
        offset = handle.tell()
        for one in (record, asked):
            # Each record its own gzip member (as warcio writes them), at a fast level: warcio's own
            # level 9 cost 8 ms of the crawl's CPU for a 250 KiB page.
            start = records.tell()
            writer.write_record(one)
            packer = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS | 16)
            handle.write(packer.compress(records.getbuffer()[start:]) + packer.flush())
        handle.flush()
        return str(path.relative_to(self.root)), offset

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


class CaptureMiddleware:
    """Downloader middleware, next to the downloader (before decompression and redirects): article pages
    of a source with `capture = true` are written to WARC files as received."""

    def __init__(self, files: WarcFiles):
        self.files = files

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        source = crawler.settings.get("NEWSDESK_SOURCE")
        if source is None or not source.capture:
            raise NotConfigured("capture is off for this source")
        root = Path(
            crawler.settings.get("NEWSDESK_CAPTURE") or capture_folder(crawler.settings["NEWSDESK_DB"])
        )
        middleware = cls(WarcFiles(root, source.name))
        crawler.signals.connect(middleware.files.close, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("newsdesk_article"):
            try:
                request.meta[META] = self.files.write(request, response)
            except OSError as e:  # a full disk must not stop the crawl: the page is still stored
                logger.warning("could not capture %s: %s", response.url, e)
        return response
