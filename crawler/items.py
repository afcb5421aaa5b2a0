"""What spiders yield: the raw page and what the feed or sitemap said about it. Cleaning happens later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class PageItem:
    source: str
    url: str  # as linked (from the feed, sitemap or listing)
    final_url: str  # after redirects
    html: str
    redirects: list[str] = field(default_factory=list)  # the URLs in between, if any
    listed_title: str | None = None  # the feed/sitemap entry's title
    listed_published: str | None = None  # the feed/sitemap entry's date (ISO 8601)
    capture: tuple[str, int] | None = None  # its WARC record: file (in the capture folder), offset
    render_if_empty: bool = False  # render = "auto", fetched plainly: no text, and it goes to the browser


@dataclass
class ArticleItem:
    """A cleaned article on its way to the store (built by the clean stage)."""

    source: str
    url: str  # canonical
    title: str
    authors: list[str]
    published_at: datetime | None
    language: str | None
    body: str
    headlines: list[tuple[str, str | None]]
    content_hash: str
    minhash: bytes | None  # see storage.fingerprints.minhash
    seen_urls: list[str] = field(default_factory=list)  # canonical forms of every URL that led here
    duplicate_of: int | None = None  # set by the dedupe stage: an earlier copy of the same story
    existing_id: int | None = None  # set by the dedupe stage: this URL is stored and its text changed
    shingle_hashes: bytes | None = None  # from the extraction worker, made the minhash by the clean stage
    capture_file: str | None = None  # the page as fetched: WARC file in the capture folder...
    capture_offset: int | None = None  # ...and where its response record starts
    extractor: str | None = None  # the extractor version that made it


# Signal of a trial crawl (crawler.trial): what became of a URL the spider found or fetched. Arguments: url,
# via (feed, sitemap, listing, fetch; '' for a failure), decision (crawl, denied, not_allowed, too_old,
# failed; unread for a feed, sitemap or listing page that could not be read) and reason (the deny pattern, the entry's date, the error).
url_noted = object()

# Signal of the clean stage: a page (its PageItem as `item`) fetched plainly gave no article text, and its
# source renders such pages (render = "auto"): the spider fetches it again through the browser.
render_wanted = object()

# Signal of the spider in a worker's crawl (crawler.shared): it has queued all of the run's feeds, sitemaps
# and listing pages.
start_queued = object()
