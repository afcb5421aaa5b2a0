"""The container's text as BeautifulSoup gives it: the tree newsdesk builds from the lxml element (only the
elements the text walk reads become Tags, inline markup gives its text alone) must give the same
paragraphs and lines as BeautifulSoup parsing the same markup itself, whatever the white space between
and inside the elements."""

from __future__ import annotations

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import RubyTextString
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from extraction.article import TEXT_STRUCTURE_TAGS, _paragraphs
from extraction.page import parse
from extraction.tree import ASCII_SPACES, soup_of

TAGS = ["p", "div", "li", "ul", "ol", "h2", "pre", "td", "span", "a", "b", "em", "font", "img", "br", "rt"]
TEXTS = ["", " ", "  ", "\n", "\n\n", " \n \n ", "\t", "word", " two words ", "line\n\nbreak", "x\n", "\xa0"]


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(TEXTS)))
        else:
            tag = draw(st.sampled_from(TAGS))
            inner = "" if tag in ("img", "br") else draw(markup(depth + 1))
            parts.append(f"<{tag}>{inner}</{tag}>" if tag not in ("img", "br") else f"<{tag}>")
    return "".join(parts)


def paragraphs_by_newsdesk(html: str) -> list[str]:
    doc = parse(html)
    assert doc is not None
    body = doc.find("body")
    assert body is not None
    return _paragraphs(soup_of(body, TEXT_STRUCTURE_TAGS))


def paragraphs_by_beautifulsoup(html: str) -> list[str]:
    soup = BeautifulSoup(html, "lxml")
    assert isinstance(soup.body, Tag)
    return _paragraphs(soup.body)


@settings(max_examples=400, deadline=None)
@given(markup())
@example("<td>a</td><em><td>b</td></em>")  # cells read "cell | cell" within their parent
@example("<ol><span><li>one</li></span></ol>")  # an item outside <ol> reads "- item"
@example("<b>a</b>\n<span>\n</span>b")  # white space BeautifulSoup reads string by string
def test_the_container_tree_reads_as_beautifulsoup_reads_the_markup(body: str) -> None:
    html = f"<html><body><div>{body}</div><p>end</p></body></html>"
    assert paragraphs_by_newsdesk(html) == paragraphs_by_beautifulsoup(html)


def test_inline_markup_keeps_lines_and_paragraphs_apart() -> None:
    html = (
        "<html><body><div><p>One <b>bold</b> word,<span>\n</span>\n<a>next line</a></p>"
        "<span>left</span>\n\n<span>right</span><ul><li><em>item</em> text</li></ul>"
        "<p>Ruby <ruby>漢<rt>kan</rt></ruby> text</p></div></body></html>"
    )
    doc = parse(html)
    assert doc is not None
    container = doc.find("body/div")
    assert container is not None
    tags = {t.name for t in soup_of(container, TEXT_STRUCTURE_TAGS).find_all(True)}
    assert not tags & {"b", "span", "a", "em", "ruby"}  # inline markup is not built
    assert _paragraphs(soup_of(container, TEXT_STRUCTURE_TAGS)) == paragraphs_by_beautifulsoup(html)
    assert etree.tostring(container)  # the lxml element is left whole


def _in_document_order(tag: Tag) -> list[PageElement]:
    order: list[PageElement] = []
    for child in tag.contents:
        order.append(child)
        if isinstance(child, Tag):
            order += _in_document_order(child)
    return order


@settings(max_examples=300, deadline=None)
@given(markup())
@example("<pre> <b> </b> x </pre><p> </p>")  # white space kept in <pre>, made one " " elsewhere
@example("<p>a<ruby>漢<rt>kan<b>ji</b></rt></ruby></p>")  # ruby text, its own kind of string
def test_the_container_tree_is_linked_as_beautifulsoup_links_a_tree(body: str) -> None:
    """Every navigation BeautifulSoup offers (descendants, strings, siblings, parents, get_text) sees the
    same tree as the contents lists, as in a tree BeautifulSoup's own parser builds."""
    doc = parse(f"<html><body><div>{body}</div></body></html>")
    assert doc is not None
    container = doc.find("body/div")
    assert container is not None
    top = soup_of(container, TEXT_STRUCTURE_TAGS)
    order = _in_document_order(top)
    assert list(top.descendants) == order and all(a is b for a, b in zip(top.descendants, order, strict=True))
    for before, after in zip([top, *order], [*order, None], strict=True):
        assert before.next_element is after
        assert after is None or after.previous_element is before
    for parent in [top, *(node for node in order if isinstance(node, Tag))]:
        for i, child in enumerate(parent.contents):
            assert child.parent is parent
            assert child.previous_sibling is (parent.contents[i - 1] if i else None)
            assert child.next_sibling is (parent.contents[i + 1] if i + 1 < len(parent.contents) else None)
    # (get_text leaves ruby annotations out, as it does of any tree)
    assert top.get_text() == "".join(str(s) for s in order if type(s) is NavigableString)
    for string in order:
        if isinstance(string, NavigableString) and string.find_parent("rt") is not None:
            assert isinstance(string, RubyTextString)
        elif isinstance(string, NavigableString) and string.find_parent("pre") is None:
            assert string.strip(ASCII_SPACES) or str(string) in (" ", "\n")
