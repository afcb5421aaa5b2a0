"""Page chrome: what is never article text (scripts, navigation, banners, share bars, captions) and
the headline widgets ("Related", "Most popular") that are set aside for the headline list."""

from __future__ import annotations

import re
from typing import Any

from bs4 import Tag

from extraction.textstats import LINK_DENSE, TextStats
from extraction.tree import elements, elements_named

# Never article text.
DROP_TAGS = frozenset(
    "script style noscript iframe svg canvas input template object embed video audio map link meta head "
    "amp-ad amp-analytics amp-consent amp-sidebar amp-social-share amp-embed amp-sticky-ad".split()
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
WORD_SPLIT_RE = re.compile(r"[\s_-]+")


def remove(tag: Tag) -> None:
    """Take `tag` out of the tree, leaving a space so the words on either side do not run together."""
    if gone(tag):
        return
    if tag.parent is not None:
        tag.insert_before(" ")
    tag.decompose()


def gone(tag: Tag) -> bool:
    """Whether `tag` was decomposed. (bs4's own `decomposed` looks the flag up through Tag.__getattr__,
    which searches the whole subtree for a <_decomposed> tag when the flag is unset.)"""
    return bool(tag.__dict__.get("_decomposed", False))


def class_words(tag: Tag) -> set[str]:
    classes: Any = tag.get("class") or []
    ident = tag.get("id") or ""
    words: set[str] = set()
    for value in [*classes, ident] if isinstance(classes, list) else [classes, ident]:
        words.update(w.lower() for w in WORD_SPLIT_RE.split(str(value)) if w)
    return words


def chrome_kind(tag: Tag) -> str:
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
    words = class_words(tag)
    if words & CONTENT_CLASSES:
        return ""
    if words & HEADLINE_CLASSES:
        return "widget"
    return "chrome" if words & BOILERPLATE_CLASSES else ""


def strip_chrome(root: Tag) -> tuple[list[Tag], TextStats]:
    """Remove page chrome; return the headline widgets, left in place for take_widgets, and the sizes
    of what is left."""
    for tag in elements_named(root, DROP_TAGS):
        remove(tag)
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
    for tag in elements(root):
        if gone(tag) or tag.name in ("html", "body", "main", "article"):
            continue
        if id(tag) in in_widgets:
            continue
        kind = chrome_kind(tag)
        if not kind or holds_the_article(tag):
            continue
        # Hidden is not always chrome: server-rendered React pages ship the article in hidden blocks
        # that a script moves into place.
        if kind == "hidden" and stats.paragraph_chars(tag) >= MIN_PAGE_PARAGRAPH_CHARS:
            continue
        if kind == "widget":
            widgets.append(tag)
            in_widgets.update(id(t) for t in elements(tag))
        else:
            stats.discount(tag)
            remove(tag)
    return [w for w in widgets if not gone(w)], stats
