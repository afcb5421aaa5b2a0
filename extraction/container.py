"""Finding the element that holds the article, on the page's lxml tree once the chrome is cut:
schema.org articleBody, else the best-scoring parent of paragraphs, widened to the ancestor that holds the
rest of the article."""

from __future__ import annotations

import re

from lxml import etree

from extraction.page import Element, Sizes, text_of

CONTAINER_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:article[-_]?(?:body|content|text)|story[-_]?(?:body|content|text)|entry[-_]?content"
    r"|post[-_]?(?:body|content|text)|body[-_]?text|main[-_]?content|content[-_]?body|articlebody"
    r"|article__body|article__content|rich[-_]?text|td-post-content|field--name-body)(?:$|[\s_-])",
    re.IGNORECASE,
)
WIDEN_LEVELS = 12  # ancestors looked at when widening the chosen container
WIDEN_GAIN = 1.3  # an ancestor is taken when it holds this much more paragraph text
WIDEN_MAX_LINK_DENSITY = 0.35
LIST_TAGS = ("ol", "ul", "dl")
LIST_WIDEN_GAIN = 1.05
TABLE_PARTS = ("tr", "thead", "tbody", "tfoot")
CELLS = ("td", "th")


def find_container(root: Element, stats: Sizes) -> Element:
    """The element holding the article: schema.org articleBody, a known class, <article>, else the best
    scoring parent of paragraphs. `stats` are the sizes of `root`'s tree as it is."""
    body_prop = next(
        (t for t in root.iterdescendants(etree.Element) if t.get("itemprop") == "articleBody"), None
    )
    if body_prop is not None and stats.text[body_prop] > 200:
        return body_prop
    scores: dict[Element, float] = {}
    for p in stats.paragraph_nodes():
        text = text_of(p)
        score = 1 + len(text) / 100 + text.count(",") * 0.5
        parent = p.getparent()
        for share in (1.0, 0.5, 0.25):
            if parent is None or parent not in stats.text:  # above the root
                break
            scores[parent] = scores.get(parent, 0.0) + score * share
            parent = parent.getparent()
    if not scores:
        return root
    for node in scores:
        scores[node] *= 1 - min(stats.link_density(node), 0.9)
        classes = f"{node.get('class') or ''} {node.get('id') or ''}"
        if CONTAINER_CLASS_RE.search(classes) or node.tag == "article":
            scores[node] *= 1.25
    return join_parts(widen(max(scores, key=lambda k: scores[k]), stats), stats)


def _climbable(element: Element | None, stats: Sizes) -> bool:
    return element is not None and element in stats.text and element.tag not in ("body", "html")


def widen(best: Element, stats: Sizes) -> Element:
    """Climb from the best-scoring node to the ancestor that holds the rest of the article: pages that
    wrap every paragraph or section in its own element spread one article over many siblings."""
    chosen, chosen_chars = best, stats.paragraphs[best]
    ancestor = best.getparent()
    for _ in range(WIDEN_LEVELS):
        if ancestor is None or not _climbable(ancestor, stats):
            break
        chars = stats.paragraphs[ancestor]
        # A list is an article's part, not its container: its intro above it is taken for any gain.
        gain = LIST_WIDEN_GAIN if chosen.tag in LIST_TAGS else WIDEN_GAIN
        if chars >= chosen_chars * gain and _density_before_trail(ancestor, stats) < WIDEN_MAX_LINK_DENSITY:
            chosen, chosen_chars = ancestor, chars
        ancestor = ancestor.getparent()
    return chosen


def _density_before_trail(element: Element, stats: Sizes) -> float:
    """The element's link density without the children after its last paragraph text: a list of links
    or a heading trailing the article (cut later, its links taken as headlines) does not make the
    element a block of links."""
    text, links = stats.text[element], stats.links[element]
    for child in reversed(element):
        if not isinstance(child.tag, str):
            continue
        if stats.paragraphs.get(child, 0):
            break
        text -= stats.text.get(child, 0)
        links -= stats.links.get(child, 0)
    return links / text if text > 0 else 0.0


def join_parts(chosen: Element, stats: Sizes) -> Element:
    """Climb from a part of an article to the whole when the page splits it: over sibling blocks of the
    same kind (two "story-body" blocks around an advertisement), or over the rows of a table (a lead in
    <thead>, the rest in <tbody>; one cell per row)."""
    node = chosen
    for _ in range(WIDEN_LEVELS):
        parent = node.getparent()
        if parent is None or not _climbable(parent, stats):
            break
        if stats.link_density(parent) >= WIDEN_MAX_LINK_DENSITY:
            break
        if (
            node.tag in TABLE_PARTS
            or (node.tag in CELLS and _only_cell(node, stats))
            or _has_twin(node, stats)
        ):
            node = parent
            continue
        break
    return node


def _siblings(node: Element) -> list[Element]:
    parent = node.getparent()
    return [c for c in parent.iterchildren(etree.Element) if c is not node] if parent is not None else []


def _has_twin(node: Element, stats: Sizes) -> bool:
    """A sibling of the same tag and class (a class it has) holding paragraph text."""
    classes = (node.get("class") or "").split()
    if not classes:
        return False
    return any(
        s.tag == node.tag and (s.get("class") or "").split() == classes and stats.paragraphs[s] > 0
        for s in _siblings(node)
    )


def _only_cell(cell: Element, stats: Sizes) -> bool:
    """The only cell of its row with text (a one-column layout table)."""
    return not any(s.tag in CELLS and stats.text[s] > 0 for s in _siblings(cell))
