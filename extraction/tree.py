"""The BeautifulSoup tree of the article's container, built from its lxml element without serialising and
parsing it again."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.builder import HTMLTreeBuilder
from lxml import etree


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
        for event, node in etree.iterwalk(markup, events=("start", "end")):
            if not isinstance(node.tag, str):  # a comment or processing instruction: only its tail
                if event == "end" and node.tail and node is not markup:
                    soup.handle_data(node.tail)
                continue
            tag = node.tag in structure or node is markup
            if event == "start":
                if tag:
                    soup.handle_starttag(node.tag, None, None, {})
                else:  # the text before it ends where it starts, as when its Tag is made
                    soup.endData()
                if node.text:
                    soup.handle_data(node.text)
            else:
                if tag:
                    soup.handle_endtag(node.tag)
                else:
                    soup.endData()
                if node.tail and node is not markup:
                    soup.handle_data(node.tail)


def soup_of(element: etree._Element, structure: Collection[str]) -> Tag:
    """The element (its tail left out) as a BeautifulSoup tree of the elements named in `structure` (the
    others give their text only); the Tag returned is the element's."""
    soup = BeautifulSoup(element, builder=ElementTreeBuilder(structure))
    top = soup.contents[0] if soup.contents else None
    assert isinstance(top, Tag), "the element was fed first"
    return top
