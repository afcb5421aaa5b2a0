"""Article extraction with BeautifulSoup (lxml parser): page HTML in, Extracted article out.

Stages: metadata from the untouched tree; chrome removed (scripts, navigation, boilerplate by class/id);
the article container found (schema.org articleBody, <article>, common class names, else the densest
paragraph parent); its blocks turned into paragraphs; trailing link lists split off as headlines; the
plain-text splitter as the last pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, NavigableString, Tag
from w3lib.encoding import html_to_unicode

from pipelines.headlines import is_marker, split_text
from pipelines.metadata import extract_metadata
from pipelines.textstats import TextStats

# Never article text.
DROP_TAGS = tuple(
    "script style noscript iframe svg canvas input template object embed video audio map link meta head "
    "amp-ad amp-analytics amp-consent amp-sidebar amp-social-share amp-embed amp-sticky-ad".split()
)
JSONLD_RE = re.compile(
    r"<script[^>]*type\s*=\s*[\"']?application/ld\+json[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
PRECLEAN_RE = re.compile(
    r"<script\b[^>]*>.*?</script\s*>|<style\b[^>]*>.*?</style\s*>|<!--.*?-->|<svg\b[^>]*>.*?</svg\s*>",
    re.IGNORECASE | re.DOTALL,
)
# Page regions, controls and photo captions: not article text, unless one wraps most of the article
# text (ASP.NET puts the whole page in a <form>; an unclosed <nav> or <button> in a menu makes the
# parser nest the rest of the page inside it).
LAYOUT_TAGS = ("nav", "footer", "aside", "form", "dialog", "button", "select", "textarea", "figcaption")
MIN_PAGE_PARAGRAPH_CHARS = 200  # below this the page has too little paragraph text to guard
INLINE_TAGS = frozenset(
    "span a em strong b i u code small sup sub label time abbr mark q cite kbd var".split()
)
# class/id words that mark page chrome (matched as whole words of the class/id, split on - and _).
BOILERPLATE_CLASSES = frozenset(
    "nav navbar navigation menu breadcrumb breadcrumbs sidebar footer header masthead share "
    "sharing social comments comment disqus related recommended recommendations newsletter subscribe "
    "subscription signup cookie cookies consent gdpr banner promo promotion advert advertisement ad "
    "ads adslot dfp sponsored outbrain taboola popup modal paywall tags tag taglist pagination pager "
    "toolbar byline author dateline timestamp caption credit trending popular mostread readmore "
    "lightbox overlay login".split()
)
# class/id words of headline widgets ("Related", "Latest", "Most popular"): their links are headlines
# when they follow the article, and dropped wherever else they are.
HEADLINE_CLASSES = frozenset(
    "related recommended recommendations trending popular mostread readmore latest more outbrain "
    "taboola teasers headlines morestories relatedstories nextread".split()
)
# ...unless the same class/id also says it is the article itself.
CONTENT_CLASSES = frozenset("article content story entry post body text main".split())
CONTAINER_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:article[-_]?(?:body|content|text)|story[-_]?(?:body|content|text)|entry[-_]?content"
    r"|post[-_]?(?:body|content|text)|body[-_]?text|main[-_]?content|content[-_]?body|articlebody"
    r"|article__body|article__content|rich[-_]?text|td-post-content|field--name-body)(?:$|[\s_-])",
    re.IGNORECASE,
)
BLOCK_TAGS = tuple(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol blockquote pre table tr dl dt dd figure "
    "figcaption header address".split()
)
HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
WORD_SPLIT_RE = re.compile(r"[\s_-]+")
LINK_DENSE = 0.6  # a block whose text is mostly link text is navigation or a headline list
DETECT_BYTES = 64 * 1024  # enough text to tell an encoding, little enough to stay fast
MAX_CTA_CHARS = 60
# Lines of page furniture that survive in article containers.
UI_LINE_RE = re.compile(
    r"^(?:[-–—•·|*]+|share(?: this(?: article| story| post)?)?(?: on \w+)?|print|email|tweet|copy link"
    r"|advertisement|sponsored|skip to (?:main )?content|back to top|back|next|previous|read more|see more"
    r"|show more|load more|comments?|\d+ comments?|leave a (?:comment|reply)|log ?in|sign ?in|sign up|subscribe"
    r"|(?:estimated )?reading time:?|\d+\s*(?:-\s*\d+\s*)?min(?:ute)?s?(?: read)?|listen(?: to this article)?"
    r"|table of contents|contents|follow us|related|tags?:?)[.:!]?$",
    re.IGNORECASE,
)
JSON_LINE_RE = re.compile(r'^\s*[\[{]\s*"[^"]+"\s*:')
BYLINE_RE = re.compile(r"^(?:by|von|par|por|di|de|door|av|af)\s+\S", re.IGNORECASE)
# A line that is only a date, with an optional label ("Posted on", "Updated:").
DATELINE_RE = re.compile(
    r"^(?:(?:published|posted|updated|last updated|modified|date)(?:\s+on)?\s*:?\s*)?"
    r"(?:\w+,?\s+)?(?:\d{1,2}[./ -]\w+[./ -]\d{2,4}|\w+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2})(?:[ ,T]+\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?(?:\s*[A-Z]{2,4})?)?$",
    re.IGNORECASE,
)
WIDEN_LEVELS = 12  # ancestors looked at when widening the chosen container
WIDEN_GAIN = 1.3  # an ancestor is taken when it holds this much more paragraph text
WIDEN_MAX_LINK_DENSITY = 0.35


@dataclass
class Headline:
    text: str
    url: str | None = None


@dataclass
class Extracted:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    body: str = ""
    headlines: list[Headline] = field(default_factory=list)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Bytes -> text: the BOM, the HTTP header or <meta charset> when one is given (w3lib's rules, as
    Scrapy applies them); else UTF-8 when the bytes are valid UTF-8; else the encoding
    charset-normalizer detects (an undeclared cp1251, Shift_JIS or GB2312 page)."""
    _, text = html_to_unicode(content_type, data, auto_detect_fun=_detect_encoding)
    return text


def _detect_encoding(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    return best.encoding if best is not None else None


def _gone(tag: Tag) -> bool:
    """Whether `tag` was decomposed. (bs4's own `decomposed` looks the flag up through Tag.__getattr__,
    which searches the whole subtree for a <_decomposed> tag when the flag is unset.)"""
    return bool(tag.__dict__.get("_decomposed", False))


def _class_words(tag: Tag) -> set[str]:
    classes: Any = tag.get("class") or []
    ident = tag.get("id") or ""
    words: set[str] = set()
    for value in [*classes, ident] if isinstance(classes, list) else [classes, ident]:
        words.update(w.lower() for w in WORD_SPLIT_RE.split(str(value)) if w)
    return words


def _kind(tag: Tag) -> str:
    """'widget' for a headline widget, 'chrome' for other boilerplate, 'hidden' for an element hidden
    from view, '' for possible content."""
    if tag.get("hidden") is not None or tag.get("aria-hidden") == "true":
        return "hidden"
    style = tag.get("style")
    if isinstance(style, str) and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style):
        return "hidden"
    role = tag.get("role")
    if role in ("navigation", "banner", "contentinfo", "complementary", "dialog", "alert"):
        return "chrome"
    if tag.name in LAYOUT_TAGS:
        return "chrome"
    if tag.name in INLINE_TAGS:  # class words on inline markup name styles ("hljs-comment"), not regions
        return ""
    words = _class_words(tag)
    if words & CONTENT_CLASSES:
        return ""
    if words & HEADLINE_CLASSES:
        return "widget"
    return "chrome" if words & BOILERPLATE_CLASSES else ""


def _strip_chrome(root: Tag) -> tuple[list[Tag], TextStats]:
    """Remove page chrome; return the headline widgets, left in place for _take_widgets, and the sizes
    of what is left."""
    for tag in root.find_all(DROP_TAGS):
        tag.decompose()
    # Elements are visited parents first, so an element's sizes are exact when it is judged.
    stats = TextStats(root)
    page_paragraph_chars = stats.paragraph_chars(root)
    page_chars = stats.text_len(root)

    def holds_the_article(tag: Tag) -> bool:
        """A wrapper holding most of the page's paragraph text (or, on a page with few <p>, most of its
        text and not as links) is layout, whatever its name or class says (id="__next", a page-wide <form>)."""
        if page_paragraph_chars < MIN_PAGE_PARAGRAPH_CHARS:
            return stats.text_len(tag) * 2 >= page_chars and stats.link_density(tag) < LINK_DENSE
        return stats.paragraph_chars(tag) * 2 > page_paragraph_chars

    widgets: list[Tag] = []
    in_widgets: set[int] = set()
    for tag in root.find_all(True):
        if _gone(tag) or tag.name in ("html", "body", "main", "article"):
            continue
        if id(tag) in in_widgets:
            continue
        kind = _kind(tag)
        if not kind or holds_the_article(tag):
            continue
        # Hidden is not always chrome: server-rendered React pages ship the article in hidden blocks
        # that a script moves into place.
        if kind == "hidden" and stats.paragraph_chars(tag) >= MIN_PAGE_PARAGRAPH_CHARS:
            continue
        if kind == "widget":
            widgets.append(tag)
            in_widgets.update(id(t) for t in tag.find_all(True))
        else:
            stats.discount(tag)
            tag.decompose()
    return [w for w in widgets if not _gone(w)], stats


def _widget_headlines(widget: Tag, base_url: str | None) -> list[Headline]:
    out = []
    for a in widget.find_all("a"):
        text = re.sub(r"\s+", " ", a.get_text(" ", strip=True))
        if len(text.split()) >= 3 or len(text) >= 15:
            href = a.get("href")
            out.append(Headline(text, urljoin(base_url or "", str(href)) if href else None))
    return out


def _take_widgets(root: Tag, container: Tag, widgets: list[Tag], base_url: str | None) -> list[Headline]:
    """Widgets after the article's last text (inside the container, or after it within the enclosing
    <article>/<main>) give their links as headlines; every widget leaves the tree."""
    if not widgets:
        return []
    order = {id(t): i for i, t in enumerate(root.find_all(True))}
    inside = [t for t in container.find_all(True) if id(t) in order]
    end = order[id(inside[-1])] if inside else order.get(id(container), 0)
    text_end = 0
    for t in container.find_all(["p", "h2", "h3", "h4", "blockquote", "li", "pre", "table"]):
        if not any(w in t.parents or w is t for w in widgets) and t.get_text(strip=True):
            text_end = max(text_end, order.get(id(t), 0))
    scope: Tag = container
    for parent in container.parents:
        if parent.name in ("article", "main"):
            scope = parent
            break
    else:
        scope = container.parent if isinstance(container.parent, Tag) else container
    headlines: list[Headline] = []
    for widget in widgets:
        position = order.get(id(widget), 0)
        in_container = container in widget.parents
        trailing = (in_container and position > text_end) or (
            not in_container and position > end and scope in widget.parents
        )
        if trailing:
            headlines.extend(_widget_headlines(widget, base_url))
        widget.decompose()
    return headlines


def _text_len(tag: Tag) -> int:
    return len(tag.get_text(" ", strip=True))


def _link_density(tag: Tag) -> float:
    total = _text_len(tag)
    if not total:
        return 0.0
    return sum(_text_len(a) for a in tag.find_all("a")) / total


def _find_container(root: Tag, stats: TextStats) -> Tag:
    """The element holding the article: schema.org articleBody, a known class, <article>, else the best
    scoring parent of paragraphs."""
    body_prop = root.find(True, attrs={"itemprop": "articleBody"})
    if isinstance(body_prop, Tag) and stats.text_len(body_prop) > 200:
        return body_prop
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for p in stats.paragraph_nodes:
        if _gone(p):
            continue
        text = p.get_text(" ", strip=True)
        score = 1 + len(text) / 100 + text.count(",") * 0.5
        parent = p.parent
        for share in (1.0, 0.5, 0.25):
            if not isinstance(parent, Tag):
                break
            key = id(parent)
            nodes[key] = parent
            scores[key] = scores.get(key, 0.0) + score * share
            parent = parent.parent
    if not scores:
        return root
    for key, node in nodes.items():
        scores[key] *= 1 - min(stats.link_density(node), 0.9)
        classes = " ".join(node.get("class") or []) + " " + str(node.get("id") or "")
        if CONTAINER_CLASS_RE.search(classes) or node.name == "article":
            scores[key] *= 1.25
    return _widen(nodes[max(scores, key=lambda k: scores[k])], stats)


def _widen(best: Tag, stats: TextStats) -> Tag:
    """Climb from the best-scoring node to the ancestor that holds the rest of the article: pages that
    wrap every paragraph or section in its own element spread one article over many siblings."""
    chosen, chosen_chars = best, stats.paragraph_chars(best)
    ancestor = best.parent
    for _ in range(WIDEN_LEVELS):
        if not isinstance(ancestor, Tag) or ancestor.name in ("body", "html", "[document]"):
            break
        chars = stats.paragraph_chars(ancestor)
        if chars >= chosen_chars * WIDEN_GAIN and stats.link_density(ancestor) < WIDEN_MAX_LINK_DENSITY:
            chosen, chosen_chars = ancestor, chars
        ancestor = ancestor.parent
    return chosen


def _trailing_link_lists(container: Tag, base_url: str | None) -> list[Headline]:
    """Remove link-dense lists/blocks at the end of the container; their links are headlines."""
    headlines: list[Headline] = []
    while True:
        last = _last_top_block(container)
        if last is None:
            return headlines
        links = [a for a in last.find_all("a") if a.get_text(strip=True)]
        text = last.get_text(" ", strip=True)
        if links and _link_density(last) >= LINK_DENSE and (len(links) >= 2 or len(text) < 120):
            items = [
                Headline(
                    re.sub(r"\s+", " ", a.get_text(" ", strip=True)),
                    urljoin(base_url or "", str(a["href"])) if a.get("href") else None,
                )
                for a in links
                if len(a.get_text(" ", strip=True).split()) >= 3
            ]
            headlines[:0] = items
            last.decompose()
            continue
        if is_marker(text) and headlines:
            last.decompose()
            continue
        return headlines


def _last_top_block(container: Tag) -> Tag | None:
    """The last child (descending through single wrappers) that holds text."""
    node: Tag = container
    while True:
        children = [c for c in node.children if isinstance(c, Tag) and c.get_text(strip=True)]
        loose = [c for c in node.children if isinstance(c, NavigableString) and c.strip()]
        if not children or loose:
            return node if node is not container else None
        last = children[-1]
        if len(children) == 1 and last.name in ("div", "section", "article", "main"):
            node = last
            continue
        return last


def _paragraphs(container: Tag) -> list[str]:
    for br in container.find_all("br"):
        br.replace_with("\n")
    for tag in container.find_all(BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    for li in container.find_all("li"):
        li.insert(0, "- " if li.parent is None or li.parent.name != "ol" else "")
    for cell in container.find_all(["td", "th"]):
        if cell.find_previous_sibling(["td", "th"]) is not None:
            cell.insert(0, " | ")  # table rows read "cell | cell"
    text = container.get_text()
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", x).strip() for x in chunk.split("\n")]
        para = "\n".join(x for x in lines if x)
        if para and para != "-":
            out.append(para)
    return out


def _is_lead_chrome(paragraph: str) -> bool:
    """A line that heads an article page without being its text: a date, a byline, a section label."""
    words = paragraph.split()
    if BYLINE_RE.match(paragraph) and len(words) <= 8:
        return True
    # A label: one or two short words without a sentence's end (CJK text has no spaces: length decides).
    if (
        len(words) <= 2
        and len(paragraph) <= 30
        and not paragraph.endswith((".", "!", "?", ":", "。", "！", "？"))
    ):
        return True
    return bool(DATELINE_RE.match(paragraph))


def _tidy(paragraphs: list[str], title: str) -> list[str]:
    """Drop the title and the date/byline/label lines before the first paragraph, repeats of the
    paragraph before, and headings left with nothing under them at the end."""
    out: list[str] = []
    for paragraph in paragraphs:
        if out and paragraph == out[-1] or UI_LINE_RE.match(paragraph) or JSON_LINE_RE.match(paragraph):
            continue
        if not out and (_is_lead_chrome(paragraph) or paragraph.casefold() == title.casefold()):
            continue
        out.append(paragraph)
    while out and (is_marker(out[-1]) or _is_lead_chrome(out[-1]) and len(out[-1]) < 40):
        out.pop()
    return out


def _drop_link_blocks(container: Tag) -> None:
    """In-body boxes of links ("Read more: ...", related boxes) are not article text."""
    stats = TextStats(container)  # exact for each element when judged: parents come first
    for tag in container.find_all(["ul", "ol", "div", "section", "table"]):
        if _gone(tag) or stats.link_density(tag) < LINK_DENSE:
            continue
        if len(tag.find_all("a")) >= 3:
            tag.decompose()
    # A short block that is nothing but a link is a call to action ("Get a quote", "Sign up").
    for tag in container.find_all(["p", "div", "span"]):
        # The sizes may be stale (too large) after the removals above: a cheap, safe first filter.
        if _gone(tag) or stats.text_len(tag) > 2 * MAX_CTA_CHARS:
            continue
        text = tag.get_text(" ", strip=True)
        if text and len(text) <= MAX_CTA_CHARS and _link_density(tag) >= 0.99:
            tag.decompose()


def extract(html: str, url: str | None = None) -> Extracted:
    """Extract the article and its metadata from a page's HTML."""
    # Scripts, styles, comments and inline SVG are often most of a page's bytes and never article
    # text: cut them before the tree is built (JSON-LD is kept aside for the metadata).
    jsonld = JSONLD_RE.findall(html)
    soup = BeautifulSoup(PRECLEAN_RE.sub(" ", html), "lxml")
    meta = extract_metadata(soup, url, jsonld)
    root = soup.body or soup
    widgets, stats = _strip_chrome(root)
    container = _find_container(root, stats)
    html_headlines = _take_widgets(root, container, widgets, url)
    html_headlines += _trailing_link_lists(container, url)
    _drop_link_blocks(container)
    paragraphs = _tidy(_paragraphs(container), meta.title)
    split = split_text("\n\n".join(paragraphs))
    headlines: list[Headline] = []
    seen: set[str] = set()
    for h in [*html_headlines, *(Headline(t) for t in split.headlines)]:
        if h.text.casefold() not in seen:  # "Related" and "Latest" often repeat a story
            seen.add(h.text.casefold())
            headlines.append(h)
    return Extracted(
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        language=meta.language,
        canonical_url=meta.canonical_url,
        body=split.body.strip(),
        headlines=headlines,
    )
