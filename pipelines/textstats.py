"""Text, link-text and paragraph-text sizes of every element of a tree, computed in one pass.

Container scoring asks these questions of thousands of elements; answering each with get_text() walks
the same subtrees again and again.
"""

from __future__ import annotations

from bs4 import Comment, NavigableString, Tag

# Elements whose text is a paragraph of an article...
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "li", "dd"})
# ...unless they hold other paragraphs (a <li> wrapping <p>s counts through its <p>s).
NESTED_BLOCKS = ["p", "div", "ul", "ol", "table", "pre", "blockquote"]
# Elements that are paragraphs when text sits directly in them (pages that separate lines with <br>).
TEXT_CONTAINERS = frozenset({"div", "span", "section", "td", "article", "font"})
MIN_PARAGRAPH_CHARS = 25  # shorter paragraphs count little (readability's rule)


class TextStats:
    def __init__(self, root: Tag):
        self.text: dict[int, int] = {}
        self.links: dict[int, int] = {}
        self.paragraphs: dict[int, int] = {}
        self.paragraph_nodes: list[Tag] = []
        own: dict[int, int] = {}  # text directly inside an element, outside its child elements
        for node in root.descendants:
            if not isinstance(node, NavigableString) or isinstance(node, Comment):
                continue
            size = len(node.strip())
            if not size:
                continue
            parent = node.parent
            if parent is not None:
                own[id(parent)] = own.get(id(parent), 0) + size
            in_link = False
            while parent is not None:
                key = id(parent)
                if parent.name == "a":
                    in_link = True
                self.text[key] = self.text.get(key, 0) + size
                if in_link:
                    self.links[key] = self.links.get(key, 0) + size
                if parent is root:
                    break
                parent = parent.parent
        for tag in root.find_all(True):
            if tag.name in PARAGRAPH_TAGS:
                if tag.name in ("li", "dd") and tag.find(NESTED_BLOCKS) is not None:
                    continue
                size = self.text.get(id(tag), 0) - self.links.get(id(tag), 0)
            elif tag.name in TEXT_CONTAINERS:
                size = own.get(id(tag), 0)
            else:
                continue
            if size < MIN_PARAGRAPH_CHARS:
                continue
            self.paragraph_nodes.append(tag)
            parent = tag
            while parent is not None:
                key = id(parent)
                self.paragraphs[key] = self.paragraphs.get(key, 0) + size
                if parent is root:
                    break
                parent = parent.parent

    def text_len(self, tag: Tag) -> int:
        return self.text.get(id(tag), 0)

    def link_density(self, tag: Tag) -> float:
        total = self.text.get(id(tag), 0)
        return self.links.get(id(tag), 0) / total if total else 0.0

    def paragraph_chars(self, tag: Tag) -> int:
        return self.paragraphs.get(id(tag), 0)
