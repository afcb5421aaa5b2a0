"""Finding the element that holds the article: schema.org articleBody, else the best-scoring parent of
paragraphs, widened to the ancestor that holds the rest of the article."""

from __future__ import annotations

import re

from bs4 import Tag

from extraction.boilerplate import gone
from extraction.textstats import TextStats
from extraction.tree import elements

CONTAINER_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:article[-_]?(?:body|content|text)|story[-_]?(?:body|content|text)|entry[-_]?content"
    r"|post[-_]?(?:body|content|text)|body[-_]?text|main[-_]?content|content[-_]?body|articlebody"
    r"|article__body|article__content|rich[-_]?text|td-post-content|field--name-body)(?:$|[\s_-])",
    re.IGNORECASE,
)
WIDEN_LEVELS = 12  # ancestors looked at when widening the chosen container
WIDEN_GAIN = 1.3  # an ancestor is taken when it holds this much more paragraph text
WIDEN_MAX_LINK_DENSITY = 0.35
TABLE_PARTS = ("tr", "thead", "tbody", "tfoot")
CELLS = ("td", "th")


def find_container(root: Tag, stats: TextStats) -> Tag:
    """The element holding the article: schema.org articleBody, a known class, <article>, else the best
    scoring parent of paragraphs."""
    body_prop = next((t for t in elements(root) if t.get("itemprop") == "articleBody"), None)
    if body_prop is not None and stats.text_len(body_prop) > 200:
        return body_prop
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for p in stats.paragraph_nodes:
        if gone(p):
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
        classes = f"{node.get('class') or ''} {node.get('id') or ''}"
        if CONTAINER_CLASS_RE.search(classes) or node.name == "article":
            scores[key] *= 1.25
    return join_parts(widen(nodes[max(scores, key=lambda k: scores[k])], stats), stats)


def widen(best: Tag, stats: TextStats) -> Tag:
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


def join_parts(chosen: Tag, stats: TextStats) -> Tag:
    """Climb from a part of an article to the whole when the page splits it: over sibling blocks of the
    same kind (two "story-body" blocks around an advertisement), or over the rows of a table (a lead in
    <thead>, the rest in <tbody>; one cell per row)."""
    node = chosen
    for _ in range(WIDEN_LEVELS):
        parent = node.parent
        if not isinstance(parent, Tag) or parent.name in ("body", "html", "[document]"):
            break
        if stats.link_density(parent) >= WIDEN_MAX_LINK_DENSITY:
            break
        if (
            node.name in TABLE_PARTS
            or (node.name in CELLS and _only_cell(node, stats))
            or _has_twin(node, stats)
        ):
            node = parent
            continue
        break
    return node


def _siblings(node: Tag) -> list[Tag]:
    parent = node.parent
    return [c for c in parent.children if isinstance(c, Tag) and c is not node] if parent is not None else []


def _has_twin(node: Tag, stats: TextStats) -> bool:
    """A sibling of the same tag and class (a class it has) holding paragraph text."""
    classes = str(node.get("class") or "").split()
    if not classes:
        return False
    return any(
        s.name == node.name and str(s.get("class") or "").split() == classes and stats.paragraph_chars(s) > 0
        for s in _siblings(node)
    )


def _only_cell(cell: Tag, stats: TextStats) -> bool:
    """The only cell of its row with text (a one-column layout table)."""
    return not any(s.name in CELLS and stats.text_len(s) > 0 for s in _siblings(cell))
