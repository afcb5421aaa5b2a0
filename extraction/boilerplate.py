"""Page chrome, cut from the lxml tree before BeautifulSoup sees the page: what is never article text
(scripts, navigation, banners, share bars, captions); and the headline widgets ("Related", "Most popular"),
marked to be set aside for the headline list once the article is found."""

from __future__ import annotations

import functools
import re

from extraction.page import Element, Sizes, drop_tags
from extraction.textstats import MIN_PAGE_PARAGRAPH_CHARS, holds_the_article

# Never article text.
DROP_TAGS = frozenset(
    "script style noscript iframe svg canvas input template object embed video audio map link meta head "
    "amp-ad amp-analytics amp-consent amp-sidebar amp-social-share amp-embed amp-sticky-ad".split()
)
# Page regions, controls and photo captions: not article text, unless one wraps most of the article
# text (ASP.NET puts the whole page in a <form>; an unclosed <nav> or <button> in a menu makes the
# parser nest the rest of the page inside it).
LAYOUT_TAGS = ("nav", "footer", "aside", "form", "dialog", "button", "select", "textarea", "figcaption")
RAW_TEXT_TAGS = ("pre", "textarea")
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
    "taboola teasers headlines morestories relatedstories nextread relatedposts relatedarticles "
    "relatedlinks readnext ticker".split()
)
# class/id words that are weak evidence: a block they name that holds prose is article text ("share",
# "more" and "tags" name article sections as often as widgets). Any word is weak when it comes from a
# class or id of four or more parts: a heading's slug ("sharing-the-cost-with-several-towns") or a
# builder's long style name ("kt-pane-header-alignment-left").
WEAK_CLASSES = frozenset(
    "share sharing social more latest tags tag taglist readmore teasers headlines".split()
)
SLUG_PARTS = 4
SIGNUP_MAX_CHARS = 800  # a sign-up box's text: its pitch and small print
# A block only weakly named chrome that holds 1/WEAK_CHROME_SHARE of the page's paragraph text stays.
WEAK_CHROME_SHARE = 3
PROSE_MIN_PARAGRAPHS = 2
PROSE_MAX_LINK_DENSITY = 0.25
# ...unless the same class/id also says it is the article itself.
CONTENT_CLASSES = frozenset("article content story entry post body text main".split())
WORD_SPLIT_RE = re.compile(r"[\s_-]+")
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


# The attribute that marks a headline widget for the BeautifulSoup tree (removed from the page's own markup).
WIDGET_MARK = "data-newsdesk-widget"


def class_words(names: str) -> tuple[set[str], set[str]]:
    """The words of an element's class and id names, lower-cased, split on - and _: those from short
    names, and those from names of SLUG_PARTS parts or more."""
    short: set[str] = set()
    long: set[str] = set()
    for name in names.split():
        words = [w.lower() for w in WORD_SPLIT_RE.split(name) if w]
        (long if len(words) >= SLUG_PARTS else short).update(words)
    return short, long


@functools.lru_cache(maxsize=4096)
def class_kind(names: str) -> str:
    """What an element's class and id names say it is (see chrome_kind). Cached: a page repeats the same
    few names on many elements."""
    short, long = class_words(names)
    words = short | long
    if words & CONTENT_CLASSES:
        return ""
    strong = short & (HEADLINE_CLASSES | BOILERPLATE_CLASSES) - WEAK_CLASSES
    if words & HEADLINE_CLASSES:
        return "widget" if strong else "weak widget"
    if words & BOILERPLATE_CLASSES:
        return "chrome" if strong else "weak chrome"
    return ""


def is_hidden(element: Element) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return style is not None and HIDDEN_STYLE_RE.search(style) is not None


def chrome_kind(element: Element) -> str:
    """'widget' for a headline widget, 'chrome' for other boilerplate, 'hidden' for an element hidden
    from view, '' for possible content; 'weak widget' and 'weak chrome' when only a class word says so,
    which prose outweighs."""
    if is_hidden(element):
        return "hidden"
    if element.get("role") in ("navigation", "banner", "contentinfo", "complementary", "dialog", "alert"):
        return "chrome"
    if element.tag in LAYOUT_TAGS:
        return "chrome"
    if element.tag in INLINE_TAGS:  # class words on inline markup name styles ("hljs-comment"), not regions
        return ""
    return class_kind(f"{element.get('class') or ''} {element.get('id') or ''}")


def holds_prose(sizes: Sizes, element: Element) -> bool:
    """Paragraphs of text with few links: at least two paragraphs, more of them than links."""
    paragraphs = sizes.paragraph_count[element]
    return (
        paragraphs >= PROSE_MIN_PARAGRAPHS
        and sizes.paragraphs[element] >= MIN_PAGE_PARAGRAPH_CHARS
        and sizes.link_density(element) < PROSE_MAX_LINK_DENSITY
        and sizes.anchors[element] * 2 <= paragraphs
    )


def strip_chrome(body: Element, *, show_hidden: bool = False) -> tuple[Sizes, bool]:
    """Remove page chrome from the tree below `body`; mark the headline widgets (WIDGET_MARK), which
    stay in place for take_widgets. Returns the sizes of what is left, and whether a block hidden by
    style that held paragraph text went (with `show_hidden`, such blocks stay as scripts would show them;
    a raw-text copy goes either way, and does not count)."""
    fields = {field.getparent() for field in body.iter("input") if _asks_for_contact(field)}
    drop_tags(body, DROP_TAGS)
    # Elements are visited parents first, so an element's sizes are exact when it is judged (a removal
    # changes the sizes of its ancestors only, judged before it).
    sizes = Sizes(body)
    page_paragraphs, page_text = sizes.paragraphs[body], sizes.text[body]
    settled: set[Element] = set()  # inside a removed element or a widget
    for marked in body.xpath(f"descendant-or-self::*[@{WIDGET_MARK}]"):
        del marked.attrib[WIDGET_MARK]  # only strip_chrome marks widgets, never the page itself
    boxes = _signup_boxes(fields, sizes, body)
    scripted = show_hidden or _shown_by_scripts(sizes, body, page_paragraphs)
    dropped_hidden = False
    for element in sizes.elements:
        if element in settled or element.tag in ("html", "body", "main", "article"):
            continue
        kind = "chrome" if element in boxes else chrome_kind(element)
        # A hidden block of raw text (<pre>, <textarea>) is a copy for machines (the article again, in
        # Markdown), never shown, however much text it holds.
        raw_copy = kind == "hidden" and element.tag in RAW_TEXT_TAGS
        if (
            not kind
            or not raw_copy
            and holds_the_article(
                sizes.paragraphs[element],
                sizes.text[element],
                sizes.link_density(element),
                page_paragraphs,
                page_text,
            )
        ):
            continue
        # Hidden is not always chrome: server-rendered React pages ship the article in blocks with the
        # hidden attribute that a script moves into place, and some pages fold most of their text into
        # tabs and accordions. Elsewhere a block hidden by style or from screen readers is a fold of the
        # page's own (an FAQ's answers, footnote pop-ups, a modal).
        if kind == "hidden" and not raw_copy and sizes.paragraphs[element] >= MIN_PAGE_PARAGRAPH_CHARS:
            if element.get("hidden") is not None or scripted:
                continue
            dropped_hidden = True
        if kind.startswith("weak ") and holds_prose(sizes, element):
            continue
        # A layout wrapper only a long name calls chrome ("c-layout-sidebar-left") that holds a third of
        # the page's paragraph text holds the article beside its menus.
        if kind == "weak chrome" and sizes.paragraphs[element] * WEAK_CHROME_SHARE > page_paragraphs:
            continue
        settled.update(element.iter())
        if kind.endswith("widget"):
            element.set(WIDGET_MARK, "")
        else:
            sizes.drop(element)
    sizes.refresh()
    return sizes, dropped_hidden


def _asks_for_contact(field: Element) -> bool:
    """An input for an e-mail address or a phone number: a sign-up form's."""
    kind = (field.get("type") or "").lower()
    return kind in ("email", "tel") or "mail" in (field.get("name") or "").lower()


def _signup_boxes(fields: set[Element | None], sizes: Sizes, body: Element) -> set[Element]:
    """For each sign-up field (given by its parent), the largest block around it with little text: the
    sign-up box, its pitch and small print with it ("Be the first to know! ... By signing up, you agree
    to ..."). Each element is walked through once, however many fields share it."""
    boxes: set[Element] = set()
    walked: set[Element] = set()
    for element in fields:
        box = None
        while (
            element is not None
            and element is not body
            and element.tag not in ("main", "article")
            and sizes.text.get(element, SIGNUP_MAX_CHARS + 1) <= SIGNUP_MAX_CHARS
        ):
            if element in walked:  # its box, if any, is known
                box = None
                break
            walked.add(element)
            box, element = element, element.getparent()
        if box is not None:
            boxes.add(box)
    return boxes


def _shown_by_scripts(sizes: Sizes, body: Element, page_paragraphs: int) -> bool:
    """Does the page hide most of its paragraph text in blocks its scripts show (tabs, accordions, a
    "read more" fold)? Then they hold the article; on other pages a block hidden by style or from screen
    readers (an FAQ's folded answers, a footnote pop-up, a modal) is not article text. One pass, parents
    before children."""
    hidden = 0
    folded: set[Element] = set()
    for element in sizes.elements:
        if element.getparent() in folded:
            folded.add(element)
        elif element.get("hidden") is None and is_hidden(element):
            folded.add(element)
            hidden += sizes.paragraphs[element]
    return hidden * 2 > page_paragraphs
