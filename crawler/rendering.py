"""Article pages fetched through a real browser, for sources whose text is put in by JavaScript
(`render = true`, or `"auto"`: only pages whose plain fetch gave no text), with scrapy-playwright driving
the system's Chromium (Debian's `chromium`; NEWSDESK_CHROMIUM names another; no browser is downloaded).

One browser per crawl, at most RENDER_PAGES pages open at once, each closed after use and bounded by the
source's download_timeout. Feeds, sitemaps, robots.txt and listing pages stay plain HTTP (a request goes to
the browser only with meta["playwright"]), and the downloader middlewares see a rendered request as any
other: robots.txt, allow/deny, private addresses, headers and cookies hold. In the browser, a public
source's page may not load anything from a private address (RenderGuard), and images, media and fonts are
not loaded at all (text is what is wanted)."""

from __future__ import annotations

import logging
import os
import shutil
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy.crawler import Crawler

from crawler.addresses import PrivateHosts
from crawler.sources import Source

logger = logging.getLogger(__name__)

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
RENDER_PAGES = 4  # pages open in the browser at once
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
# As this machine's sandbox wants Chromium: no background connections (refused here, and unwanted).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class RenderingUnavailable(Exception):
    """The source wants a browser and there is none."""


def find_chromium() -> str:
    path = os.environ.get("NEWSDESK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not os.access(path, os.X_OK):
        raise RenderingUnavailable(
            "rendering needs Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set "
            "NEWSDESK_CHROMIUM to its path"
        )
    return path


def browser_proxy(url: str) -> dict[str, str]:
    """A proxy URL as Playwright's launch option (its credentials apart)."""
    parts = urlsplit(url)
    proxy = {"server": f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")}
    if parts.username:
        proxy["username"] = unquote(parts.username)
        proxy["password"] = unquote(parts.password or "")
    return proxy


def render_settings(source: Source, guard: RenderGuard) -> dict[str, Any]:
    """The Scrapy settings that give a crawl of `source` a browser (for the spider to set)."""
    launch: dict[str, Any] = {"executable_path": find_chromium(), "headless": True, "args": CHROMIUM_ARGS}
    proxies = source.proxy or [p for p in [os.environ.get("NEWSDESK_PROXY")] if p]
    if proxies:  # the browser goes through the source's first proxy
        launch["proxy"] = browser_proxy(proxies[0])
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": RENDER_PAGES,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": source.download_timeout * 1000,
        "PLAYWRIGHT_ABORT_REQUEST": guard.abort,
    }


def render_meta(source: Source) -> dict[str, Any]:
    """The request meta that sends an article request of `source` through the browser."""
    from scrapy_playwright.page import PageMethod

    meta: dict[str, Any] = {"playwright": True}
    wait = source.render_wait
    if isinstance(wait, str):
        meta["playwright_page_methods"] = [PageMethod(wait_for, wait, source.download_timeout)]
    elif wait:
        meta["playwright_page_methods"] = [PageMethod("wait_for_timeout", wait * 1000)]
    return meta


async def wait_for(page: Any, selector: str, seconds: int) -> None:
    """Wait until `selector` is on the page, at most `seconds`; then the page is read as it is (a page
    without it, an index or a gallery, is not an error)."""
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.wait_for_selector(selector, state="attached", timeout=seconds * 1000)
    except PlaywrightError as e:  # a timeout, or a selector the browser cannot read
        logger.warning("%s: waited for %r in vain (%s)", page.url, selector, str(e).splitlines()[0])


class RenderGuard:
    """Decides, for every request a rendered page makes, whether the browser may send it: not to a
    private address for a public source (as crawler.addresses.PrivateAddressMiddleware for the crawl's
    own requests), nor for images, media or fonts."""

    def __init__(self, source: Source, crawler: Crawler):
        self.source = source
        self.crawler = crawler  # (its stats exist once the crawl starts, after this is made)
        self.hosts = PrivateHosts(source)

    async def abort(self, request: Any) -> bool:
        """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: True stops the browser's request."""
        if request.resource_type in SKIPPED_RESOURCES:
            return True
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https", "ws", "wss", "ftp"):
            return False  # data:, blob:, about: -- nothing leaves the browser
        if await self.hosts.forbidden(parts.hostname or ""):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsdesk/render_private_address")
            logger.warning(
                "%s: the page asked for %s, a private address; not loaded (%s is a public site)",
                request.frame.url if request.frame else "",
                parts.hostname,
                self.source.name,
            )
            return True
        return False
