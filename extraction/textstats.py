"""The rules on text sizes: what counts as a paragraph, when a block is link-dense, when a wrapper holds
the article (page.Sizes measures the tree with them, in one pass)."""

from __future__ import annotations

# Elements whose text is a paragraph of an article...
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "li", "dd"})
# ...unless they hold other paragraphs (a <li> wrapping <p>s counts through its <p>s).
NESTED_BLOCKS = frozenset({"p", "div", "ul", "ol", "table", "pre", "blockquote"})
# Elements that are paragraphs when text sits directly in them (pages that separate lines with <br>).
TEXT_CONTAINERS = frozenset({"div", "span", "section", "td", "article", "font"})
# The elements paragraph_size may count (the others add no paragraph text of their own).
MAY_BE_PARAGRAPHS = PARAGRAPH_TAGS | TEXT_CONTAINERS
MIN_PARAGRAPH_CHARS = 25  # shorter paragraphs count little (readability's rule)
LINK_DENSE = 0.6  # a block whose text is mostly link text is navigation or a headline list


MIN_PAGE_PARAGRAPH_CHARS = 200  # below this the page has too little paragraph text to guard


def holds_the_article(
    paragraph_chars: int, text_len: int, link_density: float, page_paragraph_chars: int, page_chars: int
) -> bool:
    """Whether an element with these sizes holds most of the page's paragraph text (or, on a page with few
    <p>, most of its text and not as links): such a wrapper is layout, whatever its name or class says
    (id="__next", a page-wide <form>)."""
    if page_paragraph_chars < MIN_PAGE_PARAGRAPH_CHARS:
        return text_len * 2 >= page_chars and link_density < LINK_DENSE
    return paragraph_chars * 2 > page_paragraph_chars


def paragraph_size(name: str, text: int, links: int, own: int, holds_blocks: bool) -> int:
    """The paragraph text an element adds itself: a paragraph's text but its links, or the text that sits
    directly in a text container; 0 below MIN_PARAGRAPH_CHARS."""
    size = 0
    if name in PARAGRAPH_TAGS:
        if not (holds_blocks and name in ("li", "dd")):
            size = text - links
    elif name in TEXT_CONTAINERS:
        size = own
    return size if size >= MIN_PARAGRAPH_CHARS else 0
