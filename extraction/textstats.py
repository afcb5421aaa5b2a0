"""Text, link-text and paragraph-text sizes of every element of a tree, computed in one pass.

Container scoring asks these questions of thousands of elements; answering each with get_text() walks
the same subtrees again and again.
"""

from __future__ import annotations

from bs4 import Comment, NavigableString, Tag

# Elements whose text is a paragraph of an article...
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "li", "dd"})
# ...unless they hold other paragraphs (a <li> wrapping <p>s counts through its <p>s).
NESTED_BLOCKS = frozenset({"p", "div", "ul", "ol", "table", "pre", "blockquote"})
# Elements that are paragraphs when text sits directly in them (pages that separate lines with <br>).
TEXT_CONTAINERS = frozenset({"div", "span", "section", "td", "article", "font"})
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


class TextStats:
    """Sizes in characters of whitespace-stripped strings; one iterative post-order walk (no recursion,
    so deeply nested pages are fine)."""

    def __init__(self, root: Tag):
        self.root = root
        self.text: dict[int, int] = {}
        self.links: dict[int, int] = {}
        self.paragraphs: dict[int, int] = {}
        has_block: dict[int, bool] = {}
        stack: list[tuple[Tag, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if not children_done:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(node.contents) if isinstance(c, Tag))
                continue
            text = links = paragraphs = own = 0
            block = False
            for child in node.contents:
                if isinstance(child, Tag):
                    key = id(child)
                    text += self.text[key]
                    links += self.links[key]
                    paragraphs += self.paragraphs[key]
                    block = block or child.name in NESTED_BLOCKS or has_block[key]
                elif isinstance(child, NavigableString) and not isinstance(child, Comment):
                    own += len(child.strip())
            text += own
            if node.name == "a":
                links = text
            size = paragraph_size(node.name, text, links, own, block)
            paragraphs += size
            key = id(node)
            self.text[key], self.links[key], self.paragraphs[key], has_block[key] = (
                text,
                links,
                paragraphs,
                block,
            )

    def text_len(self, tag: Tag) -> int:
        return self.text.get(id(tag), 0)

    def link_density(self, tag: Tag) -> float:
        total = self.text.get(id(tag), 0)
        return self.links.get(id(tag), 0) / total if total else 0.0

    def paragraph_chars(self, tag: Tag) -> int:
        return self.paragraphs.get(id(tag), 0)
