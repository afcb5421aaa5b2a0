"""The clean stage's work that runs in a worker process. It imports neither Scrapy nor the MinHash side of
the fingerprints (numpy), so that a worker holds the extractor and little else."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys

import extraction
from crawler.items import ArticleItem, PageItem
from extraction import EXTRACTOR_VERSION, parse_date, strip_controls, time_limit
from storage.shingles import fingerprints
from storage.urls import MAX_URL_CHARS, canonicalize, choose_canonical

PR_SET_PDEATHSIG = 1


def clean_page(item: PageItem, keep_params: frozenset[str], seconds: float) -> ArticleItem:
    """The article in a raw page, with its canonical URL and every URL that led to it (an empty body and
    title when the page holds no article text), its content hash and shingle hashes (the crawl process
    makes those a MinHash signature). PageTooSlow when extracting it takes over `seconds` (0: no limit)."""
    # (The extractor is loaded on first use, outside the page's time: by a pool worker as it starts, by the
    # crawl process only when it extracts pages itself.)
    extract = extraction.extract
    with time_limit(seconds):
        extracted = extract(item.html, item.final_url)
    title = extracted.title or strip_controls(item.listed_title or "").strip()
    url = choose_canonical(item.final_url, extracted.canonical_url, keep_params)
    seen = {url, *(canonicalize(u, keep_params) for u in (item.url, *item.redirects, item.final_url))}
    if len(url) > MAX_URL_CHARS:  # (a redirect's address): stored under the shortest that led to it
        url = min(seen, key=len)
    digest, shingle_hashes = fingerprints(title, extracted.body)
    return ArticleItem(
        source=item.source,
        url=url,
        title=title,
        authors=extracted.authors,
        published_at=extracted.published or parse_date(item.listed_published),
        language=extracted.language,
        body=extracted.body,
        headlines=[(h.text, h.url) for h in extracted.headlines],
        content_hash=digest,
        minhash=None,
        seen_urls=sorted(seen),
        shingle_hashes=shingle_hashes,
        capture_file=item.capture[0] if item.capture else None,
        capture_offset=item.capture[1] if item.capture else None,
        extractor=EXTRACTOR_VERSION,
    )


def worker_started(crawl_pid: int, collection_thresholds: tuple[int, ...]) -> None:
    """A pool worker leaves signals to the crawl (which shuts the pool down) and dies with it; it collects
    garbage as its crawl process does (crawler.collector), and not over the extractor once loaded."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no prctl: the pool's own pipe still ends it
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The crawl may have died while this worker was starting, before the request above: it would then
    # wait for work forever (each worker holds both ends of the pool's queue, so it never reads an end).
    if os.getppid() != crawl_pid:
        os._exit(0)
    gc.set_threshold(*collection_thresholds)
    extraction.extract  # noqa: B018 -- loaded now, before the first page waits for it
    gc.freeze()
