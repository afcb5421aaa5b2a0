"""Article metadata from a parsed page: title, authors, published date, language, canonical URL.

Sources in order of trust: JSON-LD (schema.org Article types), OpenGraph/meta tags, <time>, bylines, URL dates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag
from dateutil import parser as dateparser

from extraction.patterns import BY_PREFIX_RE, WRITTEN_DATE_RE
from extraction.tree import elements_named, find_element, find_elements

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
CANONICAL_REL_RE = re.compile("^canonical$", re.IGNORECASE)


@dataclass
class Metadata:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # naive UTC
    language: str | None = None
    canonical_url: str | None = None


MetaTags = dict[tuple[str, str], str]
META_ATTRS = ("name", "property", "itemprop", "http-equiv")


def meta_tags(soup: BeautifulSoup) -> MetaTags:
    """Every <meta> with content, keyed by (attribute, lower-cased value); the first of each wins."""
    found: MetaTags = {}
    for tag in elements_named(soup, ("meta",)):
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
    if not text or not text.strip():
        return None
    try:
        value = dateparser.parse(text.strip(), fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if value is None or not 1990 <= value.year <= 2100:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _jsonld_objects(soup: BeautifulSoup, jsonld: list[str] | None) -> list[dict[str, Any]]:
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

    if jsonld is None:
        scripts = soup.find_all("script", attrs={"type": re.compile("ld\\+json", re.IGNORECASE)})
        jsonld = [script.string or script.get_text() for script in scripts]
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
    for n in names:
        n = clean_author(n)
        if n and n.casefold() not in seen:
            seen[n.casefold()] = n
    return list(seen.values())


def _written_date(soup: BeautifulSoup) -> datetime | None:
    """A date written in a <time> element or a date/byline element near the top of the page."""
    candidates = find_elements(soup, "time", limit=MAX_DATELINE_CANDIDATES)
    candidates += find_elements(soup, attrs={"class": DATELINE_CLASS_RE}, limit=MAX_DATELINE_CANDIDATES)
    for tag in candidates:
        text = tag.get_text(" ", strip=True)
        if len(text) > 200:
            continue
        m = WRITTEN_DATE_RE.search(text)
        if m:
            value = parse_date(m.group(0))
            if value is not None:
                return value
    return None


def extract_title(soup: BeautifulSoup, tags: MetaTags, article_ld: list[dict[str, Any]]) -> str:
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
        h1 = find_element(soup, "h1")
        if og:
            title = og
        elif isinstance(h1, Tag) and h1.get_text(strip=True):
            title = h1.get_text(" ", strip=True)
        elif soup.title and soup.title.string:
            title = TITLE_SUFFIX_RE.sub("", soup.title.string.strip())
    return re.sub(r"\s+", " ", title).strip()


def extract_authors(soup: BeautifulSoup, tags: MetaTags, article_ld: list[dict[str, Any]]) -> list[str]:
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
    rel = find_element(soup, "a", {"rel": "author"})
    if isinstance(rel, Tag):
        authors = _dedupe([rel.get_text(" ", strip=True)])
        if authors:
            return authors
    byline = find_element(soup, attrs={"class": BYLINE_CLASS_RE})
    if isinstance(byline, Tag):
        text = byline.get_text(" ", strip=True)
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


def extract_published(
    soup: BeautifulSoup, tags: MetaTags, article_ld: list[dict[str, Any]], url: str | None
) -> datetime | None:
    """When the article was published: JSON-LD, date meta tags, <time datetime>, a date in the URL; as
    last resorts, when it was last changed (better than no date for sorting), then a written date."""
    for obj in article_ld:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            published = parse_date(value) if isinstance(value, str) else None
            if published is not None:
                return published
    published = parse_date(_meta(tags, DATE_META))
    if published is None:
        time_tag = find_element(soup, "time", {"datetime": True})
        if isinstance(time_tag, Tag):
            value = time_tag.get("datetime")
            published = parse_date(value if isinstance(value, str) else None)
    if published is None:
        published = _url_date(url)
    for obj in article_ld:
        if published is None and isinstance(obj.get("dateModified"), str):
            published = parse_date(obj["dateModified"])
    if published is None:
        published = parse_date(_meta(tags, MODIFIED_META))
    return published if published is not None else _written_date(soup)


def extract_language(soup: BeautifulSoup, tags: MetaTags, article_ld: list[dict[str, Any]]) -> str | None:
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
        html = find_element(soup, "html")
        lang = html.get("lang") if isinstance(html, Tag) else None
        if isinstance(lang, str) and lang.strip():
            language = lang.strip()
        else:
            language = _meta(tags, (("http-equiv", "content-language"), ("property", "og:locale")))
    if language:
        return language.replace("_", "-").split(",")[0].strip()[:20].lower() or None
    return None


def extract_canonical_url(soup: BeautifulSoup, tags: MetaTags, url: str | None) -> str | None:
    """rel=canonical, else og:url, made absolute; only a real URL or an absolute path (some pages put a
    title or "undefined" in og:url)."""
    link = find_element(soup, "link", {"rel": CANONICAL_REL_RE, "href": True})
    href = link.get("href") if isinstance(link, Tag) else None
    if not isinstance(href, str) or not href.strip():
        href = _meta(tags, (("property", "og:url"),))
    if href and not re.search(r"\s", href.strip()) and href.strip().startswith(("http://", "https://", "/")):
        return urljoin(url or "", href.strip())
    return None


def extract_metadata(
    soup: BeautifulSoup, url: str | None = None, jsonld: list[str] | None = None
) -> Metadata:
    """Read metadata from the (unmodified) page tree; `jsonld` holds the page's JSON-LD texts when its
    scripts were removed before parsing."""
    tags = meta_tags(soup)
    article_ld = [o for o in _jsonld_objects(soup, jsonld) if _types(o) & ARTICLE_TYPES]
    article_ld.sort(key=lambda o: "webpage" in _types(o))  # real article types before WebPage
    return Metadata(
        title=extract_title(soup, tags, article_ld),
        authors=extract_authors(soup, tags, article_ld),
        published=extract_published(soup, tags, article_ld, url),
        language=extract_language(soup, tags, article_ld),
        canonical_url=extract_canonical_url(soup, tags, url),
    )
