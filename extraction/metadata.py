"""Article metadata from the page's lxml tree (bounded, scripts out, chrome still in): title, authors,
published date, language, canonical URL.

Sources in order of trust: JSON-LD (schema.org Article types), OpenGraph/meta tags, <time>, bylines, URL dates.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import htmldate.extractors
from dateutil import parser as dateparser
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from extraction.page import Element, classes_match, first, text_of
from extraction.patterns import BY_PREFIX_RE, WRITTEN_DATE_RE

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "blogposting",
    "liveblogposting",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "techarticle",
    "scholarlyarticle",
    "socialmediaposting",
    "webpage",
    "report",
}
TITLE_META = (("property", "og:title"), ("name", "twitter:title"), ("name", "title"))
AUTHOR_META = (
    ("name", "author"),
    ("property", "article:author"),
    ("name", "byl"),
    ("name", "dc.creator"),
    ("name", "sailthru.author"),
    ("name", "parsely-author"),
)
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
BYLINE_CLASS_RE = re.compile(r"\b(?:byline|author|by-line|writer)\b", re.IGNORECASE)
URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|[-_])")
TITLE_SUFFIX_RE = re.compile(r"\s+[|\-–—•·:]\s+[^|\-–—•·]{2,40}$")


MODIFIED_META = (
    ("property", "article:modified_time"),
    ("property", "og:updated_time"),
    ("name", "last-modified"),
    ("itemprop", "dateModified"),
)
DATELINE_CLASS_RE = re.compile(r"date|time|publish|posted|dateline|byline|meta", re.IGNORECASE)
MAX_DATELINE_CANDIDATES = 30
MAX_TITLE = 1000  # characters of a title (the longest of the dev pages has under 300)
MAX_AUTHORS = 50  # names read from a page's author list
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


@dataclass
class Metadata:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # aware when the page gives a zone
    language: str | None = None
    canonical_url: str | None = None


MetaTags = dict[tuple[str, str], str]
META_ATTRS = ("name", "property", "itemprop", "http-equiv")


def meta_tags(doc: Element) -> MetaTags:
    """Every <meta> with content, keyed by (attribute, lower-cased value); the first of each wins."""
    found: MetaTags = {}
    for tag in doc.iter("meta"):
        content = tag.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attr in META_ATTRS:
            value = tag.get(attr)
            if isinstance(value, str):
                found.setdefault((attr, value.strip().lower()), content.strip())
    return found


def _meta(tags: MetaTags, pairs: tuple[tuple[str, str], ...]) -> str | None:
    for attr, value in pairs:
        if (attr, value.lower()) in tags:
            return tags[(attr, value.lower())]
    return None


def parse_date(text: str | None) -> datetime | None:
    """An ISO or human date string -> naive UTC datetime (dates without a zone are taken as UTC)."""
    return as_utc(parse_zoned_date(text))


def parse_zoned_date(text: str | None) -> datetime | None:
    """An ISO or human date string -> datetime, aware when the string gives a zone, else naive."""
    if not text or not text.strip():
        return None
    try:
        value = dateparser.parse(text.strip(), fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if value is None or not 1990 <= value.year <= 2100:
        return None
    return value


def as_utc(value: datetime | None) -> datetime | None:
    """Naive UTC; a naive value is taken as UTC already."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _jsonld_objects(jsonld: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            found.append(node)
            if "@graph" in node:
                walk(node["@graph"])
            if isinstance(node.get("mainEntity"), dict):
                walk(node["mainEntity"])

    for text in jsonld:
        try:
            walk(json.loads(text or "null"))
        except (ValueError, RecursionError):
            continue
    return found


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type", [])
    return {x.lower() for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def clean_author(name: str) -> str:
    name = BY_PREFIX_RE.sub("", re.sub(r"\s+", " ", name)).strip(" ,;|")
    return name if 1 < len(name) <= 80 and not name.startswith("http") else ""


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for n in names[:MAX_AUTHORS]:
        n = clean_author(n)
        if n and n.casefold() not in seen:
            seen[n.casefold()] = n
    return list(seen.values())


def _written_date(doc: Element) -> datetime | None:
    """A date written in a <time> element or a date/byline element near the top of the page."""
    candidates = list(itertools.islice(doc.iter("time"), MAX_DATELINE_CANDIDATES))
    candidates += itertools.islice(
        (e for e in doc.iter(etree.Element) if classes_match(e, DATELINE_CLASS_RE)), MAX_DATELINE_CANDIDATES
    )
    for tag in candidates:
        text = text_of(tag)
        if len(text) > 200:
            continue
        m = WRITTEN_DATE_RE.search(text)
        if m:
            value = parse_zoned_date(m.group(0))
            if value is not None:
                return value
    return None


def extract_title(doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]]) -> str:
    """The headline: JSON-LD, else og:title / twitter:title, else the first <h1>, else <title> without
    the site's name."""
    title = ""
    for obj in article_ld:
        headline = obj.get("headline") or obj.get("name")
        if isinstance(headline, str) and headline.strip():
            title = re.sub(r"\s+", " ", headline).strip()
            break
    if not title:
        og = _meta(tags, TITLE_META)
        h1 = first(doc.iter("h1"))
        page_title = first(doc.iter("title"))
        if og:
            title = og
        elif h1 is not None and text_of(h1):
            title = text_of(h1)
        elif page_title is not None and len(page_title) == 0 and page_title.text:
            title = TITLE_SUFFIX_RE.sub("", page_title.text.strip())
    title = re.sub(r"\s+", " ", title[: 4 * MAX_TITLE]).strip()
    if len(title) > MAX_TITLE:  # a page's own title of megabytes is not stored, shown or searched whole
        title = title[:MAX_TITLE].rsplit(" ", 1)[0] + "…"
    return title


def extract_authors(doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]]) -> list[str]:
    """Author names: JSON-LD, else author meta tags, else rel=author, else a byline element."""
    for obj in article_ld:
        authors = _dedupe(_names(obj.get("author")))
        if authors:
            return authors
    author = _meta(tags, AUTHOR_META)
    if author and not author.startswith("http"):
        authors = _dedupe(re.split(r"\s*(?:,|;|\band\b|&)\s*", author))
        if authors:
            return authors
    rel = first(a for a in doc.iter("a") if "author" in (a.get("rel") or "").split())
    if rel is not None:
        authors = _dedupe([text_of(rel)])
        if authors:
            return authors
    byline = first(e for e in doc.iter(etree.Element) if classes_match(e, BYLINE_CLASS_RE))
    if byline is not None:
        text = text_of(byline)
        if 2 < len(text) < 80:
            return _dedupe([text])
    return []


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
    return parse_zoned_date(_meta(tags, MODIFIED_META))


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
    published = parse_zoned_date(_meta(tags, DATE_META))
    if published is None:
        time_tag = first(t for t in doc.iter("time") if t.get("datetime") is not None)
        if time_tag is not None:
            published = parse_zoned_date(time_tag.get("datetime"))
    if published is None:
        published = _url_date(url)
    if published is None:
        published = _written_date(doc)
    return published if published is not None else _modified_date(tags, article_ld)


def extract_language(doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]]) -> str | None:
    """The language tag, lower-cased ("en-gb"): JSON-LD inLanguage, <html lang>, or meta tags."""
    language: str | None = next(
        (
            obj["inLanguage"]
            for obj in article_ld
            if isinstance(obj.get("inLanguage"), str) and obj["inLanguage"]
        ),
        None,
    )
    if not language:
        html = first(doc.iter("html"))
        lang = html.get("lang") if html is not None else None
        if lang and lang.strip():
            language = lang.strip()
        else:
            language = _meta(tags, (("http-equiv", "content-language"), ("property", "og:locale")))
    if language:
        return language.replace("_", "-").split(",")[0].strip()[:20].lower() or None
    return None


def extract_canonical_url(doc: Element, tags: MetaTags, url: str | None) -> str | None:
    """rel=canonical, else og:url, made absolute; only a real URL or an absolute path (some pages put a
    title or "undefined" in og:url)."""
    link = first(
        e
        for e in doc.iter("link")
        if "canonical" in (e.get("rel") or "").lower().split() and e.get("href") is not None
    )
    href = link.get("href") if link is not None else None
    if not href or not href.strip():
        href = _meta(tags, (("property", "og:url"),))
    if href and not re.search(r"\s", href.strip()) and href.strip().startswith(("http://", "https://", "/")):
        try:
            return urljoin(url or "", href.strip())
        except ValueError:  # "http://[::1": not a URL
            return None
    return None


def extract_metadata(doc: Element, url: str | None, jsonld: list[str], day: str | None) -> Metadata:
    """Read metadata from the page's tree (scripts and styles removed, nothing else); `jsonld` holds the
    texts of its JSON-LD scripts, `day` its publication day (publication_day, read before the scripts
    were taken out)."""
    tags = meta_tags(doc)
    article_ld = [o for o in _jsonld_objects(jsonld) if _types(o) & ARTICLE_TYPES]
    article_ld.sort(key=lambda o: "webpage" in _types(o))  # real article types before WebPage
    return Metadata(
        title=extract_title(doc, tags, article_ld),
        authors=extract_authors(doc, tags, article_ld),
        published=extract_published(day, doc, tags, article_ld, url),
        language=extract_language(doc, tags, article_ld),
        canonical_url=extract_canonical_url(doc, tags, url),
    )
