"""Which addresses a source may fetch: a source on the public internet never reaches into this machine's
networks (loopback, private ranges, link-local, cloud metadata), neither with its own requests
(PrivateAddressMiddleware) nor through a page rendered in the browser (crawler.rendering)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector

from crawler.sources import Source


def is_private_address(address: str) -> bool:
    """Whether an IP address is loopback, private, link-local or otherwise not on the public internet."""
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def is_private_host(host: str) -> bool:
    """Whether `host` is, or resolves to, a non-public address (a name that does not resolve is not:
    fetching it fails on its own). Blocks on DNS: the middleware calls it in a thread."""
    try:
        return is_private_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return any(is_private_address(str(info[4][0])) for info in socket.getaddrinfo(host, None))
    except (OSError, UnicodeError, ValueError):
        return False


class PrivateHosts:
    """Whether a host may be fetched for a source: a source on the public internet never fetches an
    address inside this machine's networks; a source whose own hosts are private (an intranet site, a test
    server) may. Names are resolved in a thread, once per host and crawl: a slow DNS answer holds only the
    requests to that host."""

    def __init__(self, source: Source):
        self.source = source
        self.private: dict[str, bool] = {}
        self.public: bool | None = None

    async def is_private(self, host: str) -> bool:
        if host not in self.private:
            self.private[host] = await asyncio.to_thread(is_private_host, host)
        return self.private[host]

    async def forbidden(self, host: str) -> bool:
        if self.public is None:
            self.public = not any([await self.is_private(h) for h in self.source.domains])
        return self.public and await self.is_private(host)


class PrivateAddressMiddleware:
    """Downloader middleware: a public source's request (even through a redirect) to an address inside
    this machine's networks -- loopback, private ranges, link-local, cloud metadata -- is dropped."""

    def __init__(self, source: Source, stats: StatsCollector):
        self.source = source
        self.stats = stats
        self.hosts = PrivateHosts(source)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.settings["NEWSDESK_SOURCE"], crawler.stats)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if await self.hosts.forbidden(host):
            self.stats.inc_value("newsdesk/private_address")
            raise IgnoreRequest(
                f"{request.url}: {host} is a private address, and {self.source.name} is a public site"
            )
