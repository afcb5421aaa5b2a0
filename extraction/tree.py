"""The BeautifulSoup tree of the article's container, built from its lxml element without serialising and
parsing it again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.builder import HTMLTreeBuilder
from lxml import etree


class ElementTreeBuilder(HTMLTreeBuilder):
    """A BeautifulSoup tree builder that reads an lxml element (already parsed, and cut by the passes
    before) instead of markup: BeautifulSoup gets the same start, data and end calls its lxml builder would
    make, without the element being serialised and parsed a second time. Attribute values stay strings
    (class and rel are not split into lists)."""

    NAME = "newsdesk-lxml-element"
    features = [NAME]

    def __init__(self) -> None:
        super().__init__(multi_valued_attributes={})

    def prepare_markup(
        self, markup: Any, *args: Any, **kwargs: Any
    ) -> Iterator[tuple[Any, None, None, bool]]:
        yield markup, None, None, False

    def feed(self, markup: Any) -> None:
        soup = self.soup
        assert soup is not None, "BeautifulSoup sets it before feeding"
        for event, node in etree.iterwalk(markup, events=("start", "end")):
            if not isinstance(node.tag, str):  # a comment or processing instruction: only its tail
                if event == "end" and node.tail and node is not markup:
                    soup.handle_data(node.tail)
            elif event == "start":
                soup.handle_starttag(node.tag, None, None, dict(node.attrib))
                if node.text:
                    soup.handle_data(node.text)
            else:
                soup.handle_endtag(node.tag)
                if node.tail and node is not markup:
                    soup.handle_data(node.tail)


def soup_of(element: etree._Element) -> Tag:
    """The element (its tail left out) as a BeautifulSoup tree; the Tag returned is the element's."""
    soup = BeautifulSoup(element, builder=ElementTreeBuilder())
    top = soup.contents[0] if soup.contents else None
    assert isinstance(top, Tag), "the element was fed first"
    return top
