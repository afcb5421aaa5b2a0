"""The article's dates from the page's lxml tree: the publication day as htmldate finds it, the time and
zone the page states (JSON-LD, meta tags, <time>, the URL, a written dateline), the last update kept
apart; and date strings read as datetimes."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

import htmldate.core
import htmldate.extractors
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from extraction.datestrings import parse_zoned_date
from extraction.page import Element, MetaTags, classes_match, first, meta_value, text_of
from extraction.patterns import WRITTEN_DATE_RE

DATE_META = (
    ("property", "article:published_time"),
    ("name", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "publish-date"),
    ("name", "date"),
    ("name", "dc.date"),
    ("name", "dc.date.issued"),
    ("name", "sailthru.date"),
    ("name", "parsely-pub-date"),
    ("property", "og:published_time"),
    ("name", "article.published"),
)
MODIFIED_META = (
    ("property", "article:modified_time"),
    ("property", "og:updated_time"),
    ("name", "last-modified"),
    ("itemprop", "dateModified"),
)
# An element whose class holds one of these words (ASCII letters in any case) may hold the date line
# ("dateline" holds "date").
DATELINE_CLASS_RE = re.compile("date|time|publish|posted|byline|meta", re.IGNORECASE | re.ASCII)
MAX_DATELINE_CANDIDATES = 30
URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|[-_])")
# The part of a page searched for its publication day: dates sit at the top, and the search's time grows
# with the page (the same day is found on every dev-corpus page as with the whole page).
DATE_SEARCH_CHARS = 512 * 1024


def _no_external_date(string: str) -> datetime | None:
    return None


# htmldate hands the date strings its own patterns cannot read to dateparser, which compiles the patterns
# of every language it meets on first use: seconds of CPU and tens of MiB in each extraction process (a
# crawl's workers included), for one more right date in 400 on the dev corpus. Its own patterns stay;
# dateparser is left out (tests/test_article_shapes.py checks it is never loaded).
htmldate.extractors._external_date = _no_external_date


def _no_date_cue(string: str, min_date: datetime, max_date: datetime) -> bool:
    return False


# htmldate asks whether a string it could not read names a month in any of dateparser's languages only to
# decide whether to hand it to dateparser; the question loads every dateparser locale (a quarter of a
# second and ~40 MiB in each extraction process, set off by a page's CSS as much as by a date), and with
# dateparser left out the answer changes nothing.
htmldate.extractors.has_date_cue = _no_date_cue


def _no_page_search(htmlstring: str, options: Any) -> str | None:
    return None


# htmldate's last resort, when no element, attribute or time stamp gives a date, runs eight expressions over
# the whole serialised page for any date-like string: on the dev corpus it ran on 91 pages, half the time
# htmldate spends there, and gave 88 dates of which 2 were right (66 were 1 January of a copyright year).
# Without it the page's own stated date decides (extract_published), or there is no date.
htmldate.core.search_page = _no_page_search


def _written_date(doc: Element) -> datetime | None:
    """A date written in a <time> element or a date/byline element near the top of the page."""
    datelines = (e for e in doc.iter(etree.Element) if classes_match(e, DATELINE_CLASS_RE))
    candidates = itertools.chain(
        itertools.islice(doc.iter("time"), MAX_DATELINE_CANDIDATES),
        itertools.islice(datelines, MAX_DATELINE_CANDIDATES),
    )
    for tag in candidates:  # read as far as the first date: most pages have it in their first candidates
        text = text_of(tag)
        if len(text) > 200:
            continue
        m = WRITTEN_DATE_RE.search(text)
        if m:
            value = parse_zoned_date(m.group(0))
            if value is not None:
                return value
    return None


def _url_date(url: str | None) -> datetime | None:
    m = URL_DATE_RE.search(url or "")
    if not m:
        return None
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def publication_day(doc: Element, url: str | None) -> str | None:
    """The day the page was published (YYYY-MM-DD) as htmldate finds it (trafilatura's date library: it
    weighs the page's many dates and tells publication from last update), in the whole parsed page,
    scripts included. htmldate is given the tree, never a string: a string that looks like a URL, it
    downloads."""
    if not isinstance(doc, HtmlElement):  # a page flattened for its depth (page.parse): no day
        return None
    try:
        return find_date(doc, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None


def extract_published(
    day: str | None, doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]], url: str | None
) -> datetime | None:
    """When the article was published: on `day` (see publication_day); the time and zone come from the
    page's stated date when that falls on the same day, else the day alone is given (midnight, no
    zone)."""
    stated = _stated_date(doc, tags, article_ld, url)
    if not day:
        return stated
    if stated is not None and stated.date().isoformat() == day:
        return stated
    modified = _modified_date(tags, article_ld)
    if stated is not None and modified is not None and modified.date().isoformat() == day:
        return stated  # the day found is the last update's; the page states an earlier publication
    return datetime.fromisoformat(day)


def _modified_date(tags: MetaTags, article_ld: list[dict[str, Any]]) -> datetime | None:
    """When the page says it was last changed: JSON-LD dateModified, or a modified-time meta tag."""
    for obj in article_ld:
        if isinstance(obj.get("dateModified"), str):
            modified = parse_zoned_date(obj["dateModified"])
            if modified is not None:
                return modified
    return parse_zoned_date(meta_value(tags, MODIFIED_META))


def _stated_date(
    doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]], url: str | None
) -> datetime | None:
    """The date the page states: JSON-LD, date meta tags, <time datetime>, a date in the URL, a date
    written near the top; as a last resort, when it was last changed (better than no date for sorting)."""
    for obj in article_ld:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            published = parse_zoned_date(value) if isinstance(value, str) else None
            if published is not None:
                return published
    published = parse_zoned_date(meta_value(tags, DATE_META))
    if published is None:
        time_tag = first(t for t in doc.iter("time") if t.get("datetime") is not None)
        if time_tag is not None:
            published = parse_zoned_date(time_tag.get("datetime"))
    if published is None:
        published = _url_date(url)
    if published is None:
        published = _written_date(doc)
    return published if published is not None else _modified_date(tags, article_ld)
