"""One parse per page, in lxml's C code: the tree the metadata is read from and the chrome is cut from,
bounded in depth and size, before BeautifulSoup (the extractor's interface) builds Python objects only for
what can hold the article and the headline lists after it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias, TypeVar

from lxml import etree
from lxml import html as lxml_html

from extraction.encoding import html_bytes
from extraction.textstats import MAY_BE_PARAGRAPHS, NESTED_BLOCKS, paragraph_size

Element: TypeAlias = etree._Element
T = TypeVar("T")

# Never article text, cut before the metadata is read (JSON-LD is kept aside first).
SCRIPT_TAGS = ("script", "style", "svg")
# Elements deeper than this lose their tags (their text stays): no real page nests so deep, and a page
# built to nest 20,000 levels must not cost each later pass a walk down all of them.
MAX_DEPTH = 128
# Elements of a page's body read at most, in document order: every later pass is bounded by it. The
# largest page of the dev corpus has 4,929; the median 696.
MAX_ELEMENTS = 10_000
# <meta> and <link> elements of each kind read at most (the dev pages have up to a few hundred).
MAX_HEAD_TAGS = 1_000
# Raw-text elements: serialised with escapes that a second parse would keep as they are.
RAW_TEXT_TAGS = ("xmp", "plaintext", "listing")
# What a page's text can hold (from character references) but lxml will not take back as a string.
NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
JSONLD_TYPE_RE = re.compile(r"ld\+json", re.IGNORECASE)


# lxml.html's element classes chosen in C: lxml.html's own lookup calls Python for every element lxml hands
# out (a tenth of the extractor's time), to tell form elements apart, which nothing here reads.
HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)


def first(items: Iterable[T]) -> T | None:
    return next(iter(items), None)


def text_of(element: Element) -> str:
    """The element's strings, stripped, joined by spaces: bs4's get_text(" ", strip=True)."""
    return " ".join(s.strip() for s in element.itertext() if s.strip())


def has_text(element: Element) -> bool:
    """Whether the element holds text (text_of would not be empty), stopping at its first string that does."""
    return any(s.strip() for s in element.itertext())


def classes_match(element: Element, pattern: re.Pattern[str]) -> bool:
    classes = element.get("class")
    return classes is not None and pattern.search(classes) is not None


def parse(html: str) -> Element | None:
    """The page's tree (comments and processing instructions left out); None for a page with no markup."""
    data = html_bytes(html)
    # lxml.html's parser: its elements are what htmldate reads a tree as (see metadata.publication_day).
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(HTML_CLASSES)
    try:
        doc = etree.fromstring(data, parser)
        if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
            # libxml2 leaves out what lies over 256 levels deep: parse again, flattening instead.
            flat = etree.HTMLParser(encoding="utf-8", target=_FlatTree(), huge_tree=True)
            doc = etree.fromstring(data, flat)
    except (etree.ParserError, etree.XMLSyntaxError):
        return None
    if doc is not None:  # (None: a page of nothing but white space, comments or stray end tags)
        _bound_head_tags(doc)
        _body_after_its_end(doc)
    return doc


def _body_after_its_end(doc: Element) -> None:
    """What a page has after its </body> goes into its body, as a browser shows it (HTML's "after body"
    rules): libxml2 leaves it beside the body, or after </html> in a second <html> beside the page's (a
    template that closes the page early, then the article)."""
    body = doc.find("body")
    if body is None:
        return
    if (body.tail or "").strip():
        _append_text(body, body.tail or "")
    body.tail = None
    for element in list(body.itersiblings()):
        body.append(element)  # (its tail goes with it)
    for extra in doc.itersiblings():
        if not isinstance(extra.tag, str):
            continue
        if (extra.text or "").strip():
            _append_text(body, extra.text or "")
        extra.text = None
        for element in list(extra):
            body.append(element)


def _append_text(parent: Element, text: str) -> None:
    last = parent[-1] if len(parent) else None
    if last is not None:
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _bound_head_tags(doc: Element) -> None:
    """A page keeps at most MAX_HEAD_TAGS <meta> and <link> elements of each kind: the metadata and the
    date search read them all, and 50,000 of them took over a second."""
    for tag in ("meta", "link"):
        if doc.xpath(f"count(//{tag})") > MAX_HEAD_TAGS:  # counted in C: the common case builds nothing
            for element in doc.xpath(f"//{tag}")[MAX_HEAD_TAGS:]:
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)


class _FlatTree:
    """An lxml parser target building the tree without the tags deeper than MAX_DEPTH (their text goes
    to the deepest element kept)."""

    def __init__(self) -> None:
        self.builder = etree.TreeBuilder()
        self.depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth <= MAX_DEPTH:
            self.builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        if self.depth <= MAX_DEPTH:
            self.builder.end(tag)
        self.depth -= 1

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Element:
        return self.builder.close()


def take_scripts(doc: Element) -> list[str]:
    """Remove scripts, styles and inline SVG; return the texts of the JSON-LD scripts."""
    jsonld = [
        "".join(s.itertext())
        for s in doc.iter("script")
        if JSONLD_TYPE_RE.search(s.get("type") or "") is not None
    ]
    drop_tags(doc, SCRIPT_TAGS)
    return jsonld


def drop_tags(root: Element, tags: Iterable[str]) -> None:
    """Drop every element below `root` with one of these tag names (see drop)."""
    for element in list(root.iter(*tags)):
        drop(element)


def drop(element: Element) -> None:
    """Take `element` out of the tree; its tail stays, after a space so the words on either side do not
    run together (lxml's own remove() takes the tail with it)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = " " + (element.tail or "")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = NOT_XML_RE.sub(" ", (previous.tail or "") + tail)
    else:
        parent.text = NOT_XML_RE.sub(" ", (parent.text or "") + tail)
    parent.remove(element)


class Sizes:
    """Text, link-text and paragraph-text sizes of every element below `root` (characters of stripped
    strings), in one pass: the container search and the chrome and link-box passes ask these of thousands
    of elements, and answering each by reading its text walks the same subtrees again and again."""

    def __init__(self, root: Element):
        self.root = root
        self.elements = list(root.iter(etree.Element))
        self.text: dict[Element, int] = {}
        self.links: dict[Element, int] = {}
        self.paragraphs: dict[Element, int] = {}
        self.paragraph_count: dict[Element, int] = {}  # elements that are paragraphs, itself included
        self.anchors: dict[Element, int] = {}  # links with text
        self.paragraph_own: dict[Element, int] = {}  # the paragraph text an element adds itself, when any
        self.holds_blocks: dict[Element, bool] = {}
        self.stale: set[Element] = set()  # ancestors of elements dropped, measured again by refresh()
        self._measure(reversed(self.elements))  # children before their parents

    def _measure(self, elements: Iterable[Element]) -> None:
        """Each element's sizes from its own text and its children's sizes (measured before it)."""
        # (One loop over many elements, the tables bound to locals: the busiest code of the extractor.)
        text_of, links_of, paragraphs_of = self.text, self.links, self.paragraphs
        count_of, anchors_of, blocks_of = self.paragraph_count, self.anchors, self.holds_blocks
        paragraph_own = self.paragraph_own
        for element in elements:
            own_text = element.text
            own = len(own_text.strip()) if own_text else 0
            text = links = paragraphs = count = anchors = 0
            block = False
            for child in element:
                tail = child.tail
                if tail:
                    own += len(tail.strip())
                child_text = text_of.get(child)
                if child_text is not None:
                    text += child_text
                    links += links_of[child]
                    paragraphs += paragraphs_of[child]
                    count += count_of[child]
                    anchors += anchors_of[child]
                    if not block:
                        block = child.tag in NESTED_BLOCKS or blocks_of[child]
            text += own
            tag = element.tag
            if tag == "a":
                links = text
                if text:
                    anchors += 1
            size = paragraph_size(tag, text, links, own, block) if tag in MAY_BE_PARAGRAPHS else 0
            if size:
                paragraph_own[element] = size
                count += 1
            elif element in paragraph_own:
                del paragraph_own[element]
            text_of[element] = text
            links_of[element] = links
            paragraphs_of[element] = paragraphs + size
            blocks_of[element] = block
            count_of[element] = count
            anchors_of[element] = anchors

    def link_density(self, element: Element) -> float:
        total = self.text[element]
        return self.links[element] / total if total else 0.0

    def paragraph_nodes(self) -> list[Element]:
        """The elements that are paragraphs, children before their parents, left to right (post-order)."""
        own = self.paragraph_own
        return [e for _, e in etree.iterwalk(self.root, events=("end",)) if e in own]

    def drop(self, element: Element) -> None:
        """Take `element` out of the tree (see drop); its ancestors' sizes are stale until refresh()."""
        self.stale.update(element.iterancestors())
        drop(element)

    def refresh(self) -> None:
        """Measure again, children first, the ancestors of the elements dropped since the last refresh: the
        sizes are then those of the tree as it is."""
        if self.stale:
            stale = self.stale
            self._measure([e for e in reversed(self.elements) if e in stale])
            self.stale.clear()


# Elements more than MAX_DEPTH levels below the body, found in C: a page without any, and with no more
# than MAX_ELEMENTS elements, needs no walk in Python to bound it.
TOO_DEEP = etree.XPath("boolean(" + "/".join(["*"] * (MAX_DEPTH + 1)) + ")")
ELEMENT_COUNT = etree.XPath("count(descendant::*)")


def bound(body: Element) -> None:
    """Flatten what lies deeper than MAX_DEPTH below `body`, cut the tree after MAX_ELEMENTS, and make
    raw-text elements <pre> (what a second parse reads back as it was)."""
    if ELEMENT_COUNT(body) > MAX_ELEMENTS or TOO_DEEP(body):
        _bound_walk(body)
    for element in body.iter(*RAW_TEXT_TAGS):
        element.tag = "pre"


def _bound_walk(body: Element) -> None:
    depth = {body: 0}
    deepest: list[Element] = []
    count = 0
    for element in body.iterdescendants(etree.Element):
        parent = element.getparent()
        level = depth[parent] + 1 if parent in depth else MAX_DEPTH + 1
        if level > MAX_DEPTH:
            continue
        count += 1
        if count > MAX_ELEMENTS:
            _cut_from(element, body)
            break
        depth[element] = level
        if level == MAX_DEPTH and len(element):
            deepest.append(element)
    for element in deepest:
        etree.strip_tags(element, "*")


def _cut_from(element: Element, body: Element) -> None:
    """Remove `element` and everything after it in document order."""
    node, first_cut = element, 0  # the element itself goes; after it, only the siblings of its ancestors
    while node is not body:
        parent = node.getparent()
        if parent is None:
            return
        del parent[parent.index(node) + first_cut :]
        node, first_cut = parent, 1


MetaTags = dict[tuple[str, str], str]
META_ATTRS = ("name", "property", "itemprop", "http-equiv")


def meta_tags(doc: Element) -> MetaTags:
    """Every <meta> with content, keyed by (attribute, lower-cased value); the first of each wins."""
    found: MetaTags = {}
    for tag in doc.iter("meta"):
        content = tag.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attr in META_ATTRS:
            value = tag.get(attr)
            if isinstance(value, str):
                found.setdefault((attr, value.strip().lower()), content.strip())
    return found


def meta_value(tags: MetaTags, pairs: tuple[tuple[str, str], ...]) -> str | None:
    for attr, value in pairs:
        if (attr, value.lower()) in tags:
            return tags[(attr, value.lower())]
    return None
