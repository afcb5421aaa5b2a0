"""Article metadata from the page's lxml tree (bounded, scripts out, chrome still in): title, authors,
published date (extraction.dates), language, canonical URL.

Sources in order of trust: JSON-LD (schema.org Article types), OpenGraph/meta tags, <time>, bylines, URL dates.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from extraction.dates import extract_published
from extraction.page import Element, MetaTags, classes_match, first, meta_tags, meta_value, text_of
from extraction.patterns import BY_PREFIX_RE

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
# A link to an author's page ("/author/jane-doe", "/authors/jane-doe/").
AUTHOR_LINK_RE = re.compile(r"/(?:author|authors|writers?|contributors?)/[^/?#]+/?(?:[?#]|$)")
BYLINE_LABELS = frozenset(
    "by|author|authors|the author|written by|posted by|about the author|learn more|read more|more|view profile"
    "|view all posts|see all posts|all posts|profile|bio|contact".split("|")
)
# "Articles by Jane", "Posts by Jane": the name after it.
BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:more\s+)?(?:articles|posts|stories|more)\s+(?:by|from)\s+", re.IGNORECASE
)
MAX_NAME_WORDS = 12
BYLINE_LABEL_RE = re.compile(
    r"^\s*(?:(?:written|posted|published|reviewed)\s+)?by\s*:?\s*$|^\s*authors?\s*:\s*$", re.I
)
MAX_BYLINE_CHARS = 80
MAX_BYLINE_TRIES = 10
BYLINE_CLASS_RE = re.compile(r"\b(?:byline|author|by-line|writer)\b", re.IGNORECASE)
ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});")
# A separator between a headline and the site's name ("What is Cloud Computing? | Google Cloud").
TITLE_SEPARATOR_RE = re.compile(r"\s+[|\-–—•·:]\s+")
MAX_NAME_PARTS = 3
WORD_RE = re.compile(r"\w+")
SAME_STORY_WORDS = 0.3
TITLE_SUFFIX_RE = re.compile(r"\s+[|\-–—•·:]\s+[^|\-–—•·]{2,40}$")


MAX_TITLE = 1000  # characters of a title (the longest of the dev pages has under 300)
MAX_AUTHORS = 50  # names read from a page's author list


@dataclass
class Metadata:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # aware when the page gives a zone
    language: str | None = None
    canonical_url: str | None = None


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
    if ENTITY_RE.search(name):  # escaped twice by the site ("Maria &amp;amp; Katerina")
        name = html.unescape(name)
    name = BY_PREFIX_RE.sub("", re.sub(r"\s+", " ", name)).strip(" ,;|")
    return name if 1 < len(name) <= 80 and not name.startswith("http") else ""


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for n in names[:MAX_AUTHORS]:
        n = clean_author(n)
        if n and n.casefold() not in seen:
            seen[n.casefold()] = n
    return list(seen.values())


def _without_site_name(title: str, heading: str, tags: MetaTags) -> str:
    """The title without the site's name after a separator: the part before it when that part is the
    page's <h1>, or when what follows is its og:site_name ("What is Cloud Computing? | Google Cloud").
    Only the last MAX_NAME_PARTS separators are tried: a site's name is a short tail."""
    cuts = [m.start() for m in TITLE_SEPARATOR_RE.finditer(title)][-MAX_NAME_PARTS:]
    if not cuts:
        return title
    site = " ".join((meta_value(tags, (("property", "og:site_name"),)) or "").split()).casefold()
    for cut in reversed(cuts):
        head = title[:cut].strip()
        rest = TITLE_SEPARATOR_RE.sub(" ", title[cut:]).strip().casefold()
        if head.casefold() == heading.casefold() or (site and rest.startswith(site)):
            return head
    return title


def _shown_headline(title: str, heading: str) -> str:
    """The page's <h1> (`heading`) where it is the same story's headline in other words than the title
    the page gives machines (JSON-LD and og:title are often written for search results): a heading of
    three words or more sharing at least SAME_STORY_WORDS of its and the title's words."""
    if len(heading.split()) < 3 or heading == title or len(heading) > MAX_TITLE:
        return title
    shown, given = set(WORD_RE.findall(heading.casefold())), set(WORD_RE.findall(title.casefold()))
    if shown and given and len(shown & given) >= SAME_STORY_WORDS * len(shown | given):
        return heading
    return title


def extract_title(doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]]) -> str:
    """The headline: JSON-LD, else og:title / twitter:title, else the first <h1>, else <title> without
    the site's name."""
    title = ""
    h1 = first(doc.iter("h1"))
    h1_text = text_of(h1) if h1 is not None else ""  # read once: the fallback, and the title's checks
    for obj in article_ld:
        headline = obj.get("headline") or obj.get("name")
        if isinstance(headline, str) and headline.strip():
            title = re.sub(r"\s+", " ", headline).strip()
            break
    if not title:
        og = meta_value(tags, TITLE_META)
        page_title = first(doc.iter("title"))
        if og:
            title = og
        elif h1_text:
            title = h1_text
        elif page_title is not None and len(page_title) == 0 and page_title.text:
            title = TITLE_SUFFIX_RE.sub("", page_title.text.strip())
    title = re.sub(r"\s+", " ", title[: 4 * MAX_TITLE]).strip()
    if ENTITY_RE.search(title):  # escaped twice by the site ("Tips &amp;#038; Tricks")
        title = html.unescape(title)
    heading = " ".join(h1_text.split())
    title = _shown_headline(_without_site_name(title, heading, tags), heading)
    if len(title) > MAX_TITLE:  # a page's own title of megabytes is not stored, shown or searched whole
        title = title[:MAX_TITLE].rsplit(" ", 1)[0] + "…"
    return title


def extract_authors(doc: Element, tags: MetaTags, article_ld: list[dict[str, Any]]) -> list[str]:
    """Author names: JSON-LD, else author meta tags, else rel=author, else a byline element."""
    for obj in article_ld:
        authors = _dedupe(_names(obj.get("author")))
        if authors:
            return authors
    author = meta_value(tags, AUTHOR_META)
    if author and not author.startswith("http"):
        if ENTITY_RE.search(author):  # escaped twice: its "&amp;" is not two separators
            author = html.unescape(author)
        authors = _dedupe(re.split(r"\s*(?:,|;|\band\b|&)\s*", author))
        if authors:
            return authors
    rel = first(a for a in doc.iter("a") if "author" in (a.get("rel") or "").split())
    if rel is not None:
        authors = _dedupe([text_of(rel)])
        if authors:
            return authors
    # Then the first named element that holds a name and little else: itemprop="author", a link to an
    # author's page, an element with a byline's class.
    for candidate in _byline_candidates(doc):
        text = BYLINE_PREFIX_RE.sub("", text_of(candidate))
        if 2 < len(text) < MAX_BYLINE_CHARS and _looks_like_a_name(text):
            authors = _dedupe([text])
            if authors:
                return authors
    return []


def _looks_like_a_name(text: str) -> bool:
    """A name, or names: a few words, not a label or a link's call ("Learn more")."""
    words = text.split()
    return len(words) <= MAX_NAME_WORDS and text.casefold().strip(" :.") not in BYLINE_LABELS


def _byline_candidates(doc: Element) -> Iterator[Element]:
    """Elements that may hold the author's name, in the order they are trusted, MAX_BYLINE_TRIES of each
    kind: a page marks many elements "author" (wrappers, avatars, bios)."""
    kinds: tuple[Callable[[Element], bool], ...] = (
        lambda e: e.get("itemprop") == "author" and e.tag != "meta",
        lambda e: e.tag == "a" and bool(AUTHOR_LINK_RE.search(e.get("href") or "")),
        lambda e: classes_match(e, BYLINE_CLASS_RE),
    )
    for wanted in kinds:
        yield from itertools.islice((e for e in doc.iter(etree.Element) if wanted(e)), MAX_BYLINE_TRIES)
    # A label and the name after it: "<p>Written by</p><p>Jane Doe</p>", "by: <span>Jane Doe</span>".
    labels = (e for e in doc.iter(etree.Element) if e.text and BYLINE_LABEL_RE.match(e.text))
    for label in itertools.islice(labels, MAX_BYLINE_TRIES):
        following = label.getnext()
        if following is not None and BYLINE_LABEL_RE.match(text_of(label)):
            yield following


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
            language = meta_value(tags, (("http-equiv", "content-language"), ("property", "og:locale")))
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
        href = meta_value(tags, (("property", "og:url"),))
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
