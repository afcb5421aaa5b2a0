"""The BeautifulSoup tree of the article's container, built from its lxml element without serialising and
parsing it again."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.builder import HTMLTreeBuilder
from lxml import etree

ASCII_SPACES = " \n\t\f\r"  # what BeautifulSoup counts as white space (its ASCII_SPACES)
ITEM_TAGS = frozenset(("li", "td", "th"))


class ElementTreeBuilder(HTMLTreeBuilder):
    """A BeautifulSoup tree builder that reads an lxml element (already parsed, and cut by the passes
    before) instead of markup: BeautifulSoup gets the start, data and end calls its lxml builder would
    make, without the element being serialised and parsed a second time. Only the elements named in
    `structure` become Tags, without their attributes (what the text walk reads); the others give their
    text alone, in the same strings as if they were there."""

    NAME = "newsdesk-lxml-element"
    features = [NAME]

    def __init__(self, structure: Collection[str]) -> None:
        super().__init__(multi_valued_attributes={})
        self.structure = structure

    def prepare_markup(
        self, markup: Any, *args: Any, **kwargs: Any
    ) -> Iterator[tuple[Any, None, None, bool]]:
        yield markup, None, None, False

    def feed(self, markup: Any) -> None:
        soup = self.soup
        assert soup is not None, "BeautifulSoup sets it before feeding"
        structure = self.structure
        # BeautifulSoup turns a string of nothing but white space into one "\n" or " ", string by string.
        # Text on both sides of an element left out goes to it as one string, unless either side is
        # such white space: then the two stay apart, as they were around the element's Tag.
        skipped = False  # an element was left out since the last string began
        blank = True  # the string begun is empty or white space
        for event, node in etree.iterwalk(markup, events=("start", "end")):
            tag = node.tag
            if not isinstance(tag, str):  # a comment or processing instruction: only its tail
                text = node.tail if event == "end" and node is not markup else None
            elif tag in structure or node is markup or _holds_items(node):
                if event == "start":
                    soup.handle_starttag(tag, None, None, {})
                    text = node.text
                else:
                    soup.handle_endtag(tag)
                    text = node.tail if node is not markup else None
                skipped, blank = False, True
            else:
                skipped = True
                text = node.text if event == "start" else node.tail
            if text:
                text_blank = not text.strip(ASCII_SPACES)
                if skipped and (blank or text_blank):
                    soup.endData()
                    blank = True
                skipped = False
                soup.handle_data(text)
                blank = blank and text_blank


def _holds_items(element: etree._Element) -> bool:
    """Whether list items or table cells sit directly in the element (built as a Tag even when not named
    in `structure`): the text walk reads an item's and a cell's parent (an item outside <ol> is "- " item,
    cells are read "cell | cell" within their parent)."""
    return any(child.tag in ITEM_TAGS for child in element)


def soup_of(element: etree._Element, structure: Collection[str]) -> Tag:
    """The element (its tail left out) as a BeautifulSoup tree of the elements named in `structure` (the
    others give their text only); the Tag returned is the element's."""
    soup = BeautifulSoup(element, builder=ElementTreeBuilder(structure))
    top = soup.contents[0] if soup.contents else None
    assert isinstance(top, Tag), "the element was fed first"
    return top
