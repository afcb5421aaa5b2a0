"""The BeautifulSoup tree of the article's container, built from its lxml element without serialising and
parsing it again."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.builder import HTMLTreeBuilder
from lxml import etree

ASCII_SPACES = " \n\t\f\r"  # what BeautifulSoup counts as white space (its ASCII_SPACES)
ITEM_TAGS = frozenset(("li", "td", "th"))


class ElementTreeBuilder(HTMLTreeBuilder):
    """A BeautifulSoup tree builder that reads an lxml element (already parsed, and cut by the passes
    before) instead of markup: the element is not serialised and parsed a second time. Only the elements
    named in `structure` become Tags, without their attributes (what the text walk reads); the others
    give their text alone, in the same strings as if they were there."""

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
        containers = self.string_containers  # tags whose strings are of their own class (<rt>, <rp>)
        keep_spaces = self.preserve_whitespace_tags  # tags whose white space stays as it is (<pre>)
        # The Tags and strings are linked here as BeautifulSoup's handle_starttag, handle_data, endData
        # and handle_endtag link them (parent, contents, siblings, and each node to the next in document
        # order), without their work for markup that a parser leaves unbalanced: an element's events are
        # balanced. The same tree in 0.56 of the time (tests/test_text_walk.py checks its links).
        parents: list[Tag] = [soup]
        built: list[etree._Element] = []  # the elements of the Tags open (parents[1:]), innermost last
        classes: list[type[NavigableString]] = []  # the string classes of the string containers open
        kept = 0  # elements open that keep their strings' white space
        last: PageElement | None = soup._most_recent_element
        data: list[str] = []  # the string begun

        def link(node: PageElement) -> None:
            nonlocal last
            parent = parents[-1]
            node.parent = parent
            node.previous_element = last
            if last is not None:
                last.next_element = node
            node.next_element = node.next_sibling = None
            siblings = parent.contents
            if siblings:
                node.previous_sibling = siblings[-1]
                siblings[-1].next_sibling = node
            else:
                node.previous_sibling = None
            siblings.append(node)
            last = node

        def end_string() -> None:
            text = "".join(data)
            data.clear()
            # BeautifulSoup turns a string of nothing but white space into one "\n" or " ".
            if not kept and not text.strip(ASCII_SPACES):
                text = "\n" if "\n" in text else " "
            # (NavigableString(text) less the links it would set twice: link() sets them.)
            string = str.__new__(classes[-1] if classes else NavigableString, text)
            string.hidden = False
            link(string)

        # Text on both sides of an element left out goes in as one string, unless either side is white
        # space only: then the two stay apart, as they were around the element's Tag.
        skipped = False  # an element was left out since the last string began
        blank = True  # the string begun is empty or white space
        for event, node in etree.iterwalk(markup, events=("start", "end")):
            tag = node.tag
            if not isinstance(tag, str):  # a comment or processing instruction: only its tail
                text = node.tail if event == "end" and node is not markup else None
            elif (
                node is built[-1]  # (an end: whether it was built is known since its start)
                if event == "end"
                else tag in structure or node is markup or _holds_items(node)
            ):
                if data:
                    end_string()
                if event == "start":
                    element = Tag(soup, self, tag)
                    link(element)
                    parents.append(element)
                    built.append(node)
                    if tag in keep_spaces:
                        kept += 1
                    if tag in containers:
                        classes.append(containers[tag])
                    text = node.text
                else:
                    parents.pop()
                    built.pop()
                    if tag in keep_spaces:
                        kept -= 1
                    if tag in containers:
                        classes.pop()
                    text = node.tail if node is not markup else None
                skipped, blank = False, True
            else:
                skipped = True
                text = node.text if event == "start" else node.tail
            if text:
                text_blank = not text.strip(ASCII_SPACES)
                if skipped and (blank or text_blank) and data:
                    end_string()
                    blank = True
                skipped = False
                data.append(text)
                blank = blank and text_blank
        if data:
            end_string()
        soup._most_recent_element = last


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
