"""Lists of links in and around the article: headline widgets and trailing link lists become
headlines; in-body link boxes and calls to action are dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from extraction.boilerplate import INLINE_TAGS, WIDGET_MARK
from extraction.lines import is_marker
from extraction.page import Element, Sizes, first, has_text, text_of
from extraction.textstats import LINK_DENSE

SPACES_RE = re.compile(r"\s+")
MAX_CTA_CHARS = 60
WORD_RE = re.compile(r"[^\W\d_]{2}")  # two letters in a row: a word, not a separator ("|", "/", "<")
MAX_TEASER_CHARS = 600  # a teaser: a title, a byline and date, and an excerpt of a few lines
MAX_LABEL_CHARS = 40  # what may come before a teaser's title: its section or kind ("Tips & Tricks")
HEADINGS = ("h2", "h3", "h4", "h5", "h6")
MAX_SIGNUP_CHARS = 250
SIGNUP_RE = re.compile(r"\b(?:sign(?:ing)? up|subscribe)\b", re.IGNORECASE)
SIGNUP_WHERE_RE = re.compile(r"\b(?:inbox|e-?mails?|newsletters?)\b", re.IGNORECASE)
MAX_WRAPPERS = 12  # single wrappers looked through for a block's items (page builders nest 8 deep)
WRAPPERS = frozenset(("div", "section", "ul", "ol", "aside"))
# Elements that hold the article's own text: where it ends decides which widgets trail it.
TEXT_BLOCKS = frozenset(("p", "h2", "h3", "h4", "blockquote", "li", "pre", "table"))


def web_link(base_url: str | None, href: object) -> str | None:
    """An http(s) link, made absolute; None for anything else (javascript:, data:, mailto:, no href)."""
    if not isinstance(href, str) or not href.strip():
        return None
    try:
        url = urljoin(base_url or "", href.strip())
        return url if urlsplit(url).scheme in ("http", "https") else None
    except ValueError:  # "http://[::1": not a URL
        return None


@dataclass
class Headline:
    text: str
    url: str | None = None


def link_headline(link: Element, base_url: str | None) -> Headline:
    """A link as a headline: its text on one line, its http(s) address."""
    return Headline(SPACES_RE.sub(" ", text_of(link)), web_link(base_url, link.get("href")))


def widget_headlines(widget: Element, base_url: str | None) -> list[Headline]:
    headlines = [link_headline(a, base_url) for a in widget.iterdescendants("a")]
    return [h for h in headlines if len(h.text.split()) >= 3 or len(h.text) >= 15]


def take_widgets(top: Element, container: Element, sizes: Sizes, base_url: str | None) -> list[Headline]:
    """The headline widgets strip_chrome marked below `top` (the page's lxml tree, measured by `sizes`):
    those after the article's last text (inside the container, or after it within the enclosing
    <article>/<main>) give their links as headlines; every widget leaves the tree."""
    widgets = [t for t in top.iterdescendants(etree.Element) if t.get(WIDGET_MARK) is not None]
    if not widgets:
        return []
    order = {t: i for i, t in enumerate(top.iterdescendants(etree.Element))}
    inside = [t for t in container.iterdescendants(etree.Element) if t in order]
    end = order[inside[-1]] if inside else order.get(container, 0)
    marked = set(widgets)
    text_end = 0
    for t in container.iterdescendants(*TEXT_BLOCKS):
        in_widget = t in marked or any(a in marked for a in t.iterancestors())
        if not in_widget and has_text(t):
            text_end = max(text_end, order.get(t, 0))
    scope = first(container.iterancestors("article", "main"))
    if scope is None:
        parent = container.getparent()
        scope = parent if parent is not None else container
    headlines: list[Headline] = []
    for widget in widgets:
        position = order.get(widget, 0)
        ancestors = set(widget.iterancestors())
        in_container = container in ancestors
        trailing = (in_container and position > text_end) or (
            not in_container and position > end and scope in ancestors
        )
        if trailing:
            headlines.extend(widget_headlines(widget, base_url))
        sizes.drop(widget)
    return headlines


def text_len(element: Element) -> int:
    return len(text_of(element))


def link_density(element: Element) -> float:
    """Link text over all text, read afresh (the tree changes under these passes)."""
    total = text_len(element)
    if not total:
        return 0.0
    return sum(text_len(a) for a in element.iterdescendants("a")) / total


def trailing_link_lists(container: Element, sizes: Sizes, base_url: str | None) -> list[Headline]:
    """Remove link-dense lists/blocks at the end of the container; their links are headlines."""
    headlines: list[Headline] = []
    while True:
        last = last_top_block(container)
        if last is None:
            return headlines
        links = [a for a in last.iterdescendants("a") if has_text(a)]
        text = text_of(last)
        if links and link_density(last) >= LINK_DENSE and (len(links) >= 2 or len(text) < 120):
            items = [link_headline(a, base_url) for a in links]
            headlines[:0] = [h for h in items if len(h.text.split()) >= 3]
            sizes.drop(last)
            continue
        titles = teaser_titles(last)
        if titles:
            headlines[:0] = [link_headline(a, base_url) for a in titles]
            sizes.drop(last)
            continue
        if (is_marker(text) and headlines) or is_signup_box(text):
            sizes.drop(last)
            continue
        return headlines


def is_signup_box(text: str) -> bool:
    """A short invitation to a newsletter ("Stay in the loop: sign up and we'll send the latest news to your
    inbox"), its form already gone with the page's forms."""
    if len(text) > 4 * MAX_SIGNUP_CHARS:  # (before the white space is read: a block may be megabytes)
        return False
    text = SPACES_RE.sub(" ", text)
    return len(text) <= MAX_SIGNUP_CHARS and bool(SIGNUP_RE.search(text) and SIGNUP_WHERE_RE.search(text))


def teaser_titles(block: Element) -> list[Element]:
    """The title links of a block of teasers (each item a linked title first, then an excerpt, a date, a
    section), under an optional marker heading ("You may also like"); [] when the block is not one."""
    node = block
    for _ in range(MAX_WRAPPERS):
        children = [c for c in node.iterchildren(etree.Element) if has_text(c)]
        if children and _title_link(children[0]) is None and is_marker(text_of(children[0])):
            children = children[1:]
        if len(children) == 1 and children[0].tag in WRAPPERS:
            node = children[0]
            continue
        titles = [t for t in map(_title_link, children) if t is not None]
        return titles if len(children) >= 2 and len(titles) == len(children) else []
    return []


def _title_link(item: Element) -> Element | None:
    """The title link of a short item: its first link in a heading, else its first link; of at least
    three words, and with at most a label (its section, a kicker) before it in the item."""
    text = SPACES_RE.sub(" ", text_of(item))
    if len(text) > MAX_TEASER_CHARS:
        return None
    headed = (a for h in item.iterdescendants(*HEADINGS) for a in h.iterdescendants("a") if has_text(a))
    link = next(headed, None)
    if link is None:
        link = next((a for a in item.iterdescendants("a") if has_text(a)), None)
    if link is None:
        return None
    title = SPACES_RE.sub(" ", text_of(link))
    return link if len(title.split()) >= 3 and 0 <= text.find(title) <= MAX_LABEL_CHARS else None


def last_top_block(container: Element) -> Element | None:
    """The last child (descending through single wrappers) that holds text."""
    node = container
    while True:
        children = [c for c in node.iterchildren(etree.Element) if has_text(c)]
        loose = (node.text or "").strip() or any((c.tail or "").strip() for c in node)
        if not children or loose:
            return node if node is not container else None
        last = children[-1]
        if len(children) == 1 and last.tag in ("div", "section", "article", "main"):
            node = last
            continue
        return last


def _in_running_text(element: Element) -> bool:
    """Is the (inline) element a part of a sentence, with words on both sides of it in its block, through
    inline markup ("Leading the charge in <strong><span><a>design trends</a></span></strong> for 2025")?
    Only the text next to it is read: a link at the end of a teaser ("... MORE") or between others ("A / B")
    is not."""
    if element.tag not in INLINE_TAGS:
        return False
    return bool(
        WORD_RE.search(_text_beside(element, after=False))
        and WORD_RE.search(_text_beside(element, after=True))
    )


def _text_beside(element: Element, *, after: bool) -> str:
    """The text just before or after the element, climbing through inline markup while there is none."""
    node = element
    while True:
        parent = node.getparent()
        if parent is None:
            return ""
        previous = node.getprevious()
        text = node.tail if after else previous.tail if previous is not None else parent.text
        if (text and text.strip()) or parent.tag not in INLINE_TAGS or not after and previous is not None:
            return text or ""
        node = parent


def drop_link_blocks(container: Element, sizes: Sizes) -> None:
    """In-body boxes of links ("Read more: ...", related boxes) are not article text."""
    sizes.refresh()  # exact for each element when judged: parents come first
    removed: set[Element] = set()
    boxes: list[Element] = []
    for element in container.iterdescendants("ul", "ol", "div", "section", "table"):
        if element in removed or sizes.link_density(element) < LINK_DENSE:
            continue
        if sum(1 for _ in element.iterdescendants("a")) >= 3:
            removed.update(element.iter())
            boxes.append(element)
    for element in boxes:
        sizes.drop(element)
    # A short block that is nothing but a link is a call to action ("Get a quote", "Sign up").
    for element in list(container.iterdescendants("p", "div", "span")):
        # The sizes may be stale (too large) after the removals above: a cheap, safe first filter.
        if element in removed or sizes.text[element] > 2 * MAX_CTA_CHARS:
            continue
        text = text_of(element)
        if (
            text
            and len(text) <= MAX_CTA_CHARS
            and link_density(element) >= 0.99
            and not _in_running_text(element)
        ):
            removed.update(element.iter())
            sizes.drop(element)
