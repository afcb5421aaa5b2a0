"""Text, link-text and paragraph-text sizes of every element of a tree, computed in one pass.

Container scoring asks these questions of thousands of elements; answering each with get_text() walks
the same subtrees again and again.
"""

from __future__ import annotations

from bs4 import Comment, NavigableString, Tag

PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote"})
MIN_PARAGRAPH_CHARS = 25  # shorter paragraphs count little (readability's rule)


class TextStats:
    def __init__(self, root: Tag):
        self.text: dict[int, int] = {}
        self.links: dict[int, int] = {}
        self.paragraphs: dict[int, int] = {}
        for node in root.descendants:
            if not isinstance(node, NavigableString) or isinstance(node, Comment):
                continue
            size = len(node.strip())
            if not size:
                continue
            in_link = False
            parent = node.parent
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
        for paragraph in root.find_all(PARAGRAPH_TAGS):
            size = self.text.get(id(paragraph), 0)
            if size < MIN_PARAGRAPH_CHARS:
                continue
            parent = paragraph
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
