"""Article extraction: page HTML in, Extracted article out.

Stages: the page parsed once by lxml (page.py), its metadata read from that tree (metadata.py), the tree
bounded in depth and size and cut of its chrome, headline widgets marked (boilerplate.py), the article
container found (container.py), the widgets that trail it and the link lists at its end taken as
headlines, in-body link boxes dropped (linklists.py), all in lxml; then the container alone becomes the
BeautifulSoup tree whose blocks are turned into paragraphs and tidied here; the plain-text headline
splitter as the last pass (splitter.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bs4 import CData, NavigableString, PageElement, Tag

from extraction.boilerplate import strip_chrome
from extraction.container import find_container
from extraction.dates import DATE_SEARCH_CHARS, publication_day
from extraction.datestrings import as_utc
from extraction.encoding import has_mojibake, repair_mojibake, strip_controls
from extraction.lines import is_marker
from extraction.linklists import Headline, drop_link_blocks, take_widgets, trailing_link_lists
from extraction.metadata import extract_metadata
from extraction.page import Sizes, bound, first, parse, take_scripts
from extraction.patterns import BYLINE_RE
from extraction.splitter import split_text
from extraction.tree import soup_of

__all__ = ["Extracted", "Headline", "extract"]


BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol blockquote pre table tr dl dt dd figure "
    "figcaption header address".split()
)
# What the text walk (_block_text) reads of the tree besides its strings: blocks, line breaks, table cells,
# and what BeautifulSoup gives strings of their own kind (<textarea>, <pre>: white space kept; <rt>, <rp>:
# ruby annotations, not text). The container's other elements (inline markup, images: a third of them)
# give BeautifulSoup their text alone.
TEXT_STRUCTURE_TAGS = BLOCK_TAGS | {"br", "td", "th", "textarea", "rt", "rp"}
# Lines of page furniture that survive in article containers.
UI_LINE_RE = re.compile(
    r"^(?:[-–—•·|*]+|share(?: this(?: article| story| post)?)?(?: on \w+)?|print|email|tweet|copy link"
    r"|advertisement|sponsored|skip to (?:main )?content|back to top|back|next|previous|read more|see more"
    r"|show more|load more|comments?|\d+ comments?|leave a (?:comment|reply)|log ?in|sign ?in|sign up|subscribe"
    r"|(?:estimated )?reading time:?|\d+\s*(?:-\s*\d+\s*)?min(?:ute)?s?(?: read)?|listen(?: to this article)?"
    r"|table of contents|contents|follow us|related|tags?:?"
    r"|(?:story|article) continues (?:below|after (?:this )?(?:ad|advertisement))|continue reading below"
    r"|like this|pin (?:this |it |me )?for later|pin (?:this|it|me)|save (?:this|it) for later|page \d+ of \d+|copyright)[.:!]?$",
    re.IGNORECASE,
)
# The strings get_text() gives: not comments, doctypes or processing instructions.
TEXT_STRINGS = frozenset((NavigableString, CData))
SHORT_ARTICLE_CHARS = 200  # a body shorter than this keeps its short lines
BLANK_LINE_RE = re.compile(r"\n\s*\n")
SPACES_RE = re.compile(r"[ \t\r\f\v\xa0]+")
# A run of paragraphs that repeats an earlier run, in order, with at least this many distinct paragraphs of
# at least REPEAT_PARAGRAPH_CHARS: a second copy of the article or of a section (a page's mobile and desktop
# layouts, tabs, a print copy), dropped. A paragraph repeated alone, or one line repeated as a refrain, stays.
REPEAT_MIN_DISTINCT = 3
REPEAT_MIN_CHARS = 500  # ...holding this much text (a short list repeated in two steps of a how-to stays)
REPEAT_PARAGRAPH_CHARS = 80
REPEAT_CANDIDATES = 4  # earlier places of a paragraph tried as the start of the copied run
REPEAT_WITHIN = 30  # ...whose distinct long paragraphs must show within its first this many
REPEAT_BUDGET = 50_000  # paragraph comparisons a page's search for copies may make
JSON_LINE_RE = re.compile(r'^\s*[\[{]\s*"[^"]+"\s*:')
# A line that is only a date, with an optional label ("Posted on", "Updated:").
DATELINE_RE = re.compile(
    r"^(?:(?:published|posted|updated|last updated|modified|date)(?:\s+on)?\s*:?\s*)?"
    r"(?:\w+,?\s+)?(?:\d{1,2}[./ -]\w+[./ -]\d{2,4}|\w+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2})(?:[ ,T]+\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?(?:\s*[A-Z]{2,4})?)?$",
    re.IGNORECASE,
)


@dataclass
class Extracted:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # naive UTC
    published_offset: timedelta | None = None  # the page's own UTC offset for `published`, when it gives one
    language: str | None = None
    canonical_url: str | None = None
    body: str = ""
    headlines: list[Headline] = field(default_factory=list)


def _block_text(container: Tag) -> str:
    """The container's text with a blank line around every block, a line end for every <br>, "- " before
    list items and " | " between table cells: one walk, the tree left as it is (inserting separators into
    the tree costs bs4 a walk to the end of each element, quadratic on deeply nested pages)."""
    out: list[str] = []
    # (node, what to write before it); children are pushed in reverse so they come off in document order,
    # and a node pushed with None closes a block.
    stack: list[tuple[PageElement, str | None]] = []
    _push_children(stack, container)
    while stack:
        node, prefix = stack.pop()
        if prefix is None:
            out.append("\n\n")
        elif not isinstance(node, Tag):
            if type(node) in TEXT_STRINGS:
                out.append(str(node))
        elif node.name == "br":
            out.append("\n")
        else:
            if node.name in BLOCK_TAGS:
                out.append("\n\n")
                stack.append((node, None))
            out.append(prefix)
            _push_children(stack, node)
    return "".join(out)


def _push_children(stack: list[tuple[PageElement, str | None]], parent: Tag) -> None:
    items: list[tuple[PageElement, str | None]] = []
    after_cell = False
    for child in parent.contents:
        prefix = ""
        if isinstance(child, Tag):
            if child.name == "li" and parent.name != "ol":
                prefix = "- "
            elif child.name in ("td", "th"):
                prefix = " | " if after_cell else ""  # table rows read "cell | cell"
                after_cell = True
        items.append((child, prefix))
    stack.extend(reversed(items))


def _paragraphs(container: Tag) -> list[str]:
    out = []
    for chunk in BLANK_LINE_RE.split(_block_text(container)):
        # (One substitution for the whole chunk: its runs of spaces never cross a line end.)
        lines = [x.strip() for x in SPACES_RE.sub(" ", chunk).split("\n")]
        para = "\n".join(x for x in lines if x)
        if para and para != "-":
            out.append(para)
    return out


def _drop_repeated_runs(paragraphs: list[str]) -> list[str]:
    """The paragraphs without the runs that repeat an earlier run (see REPEAT_MIN_DISTINCT). Each is tried
    against at most REPEAT_CANDIDATES earlier places, and the search stops after REPEAT_BUDGET paragraph
    comparisons in all: a page of thousands of paragraphs in a cycle costs no more than that."""
    seen: dict[str, list[int]] = {}
    out: list[str] = []  # the paragraphs kept, which later copies are compared with
    budget = REPEAT_BUDGET
    i = 0
    while i < len(paragraphs):
        run, used = _copied_run(paragraphs, i, out, seen.get(paragraphs[i], ()), budget)
        budget -= used
        if run:
            i += run
            continue
        if len(paragraphs[i]) >= REPEAT_PARAGRAPH_CHARS and budget > 0:
            places = seen.setdefault(paragraphs[i], [])
            if len(places) < REPEAT_CANDIDATES:
                places.append(len(out))
        out.append(paragraphs[i])
        i += 1
    return out


def _copied_run(
    paragraphs: list[str], start: int, kept: list[str], places: Iterable[int], budget: int
) -> tuple[int, int]:
    """How many paragraphs from `start` copy, in order, the kept paragraphs at one of `places` (0 when no
    such run holds REPEAT_MIN_DISTINCT distinct long paragraphs of REPEAT_MIN_CHARS), and how many
    comparisons that took (at most `budget`)."""
    used = 0
    for place in places:
        length = chars = 0
        distinct: set[str] = set()
        copied = False
        while (
            used < budget
            and place + length < len(kept)
            and start + length < len(paragraphs)
            and kept[place + length] == paragraphs[start + length]
        ):
            used += 1
            paragraph = paragraphs[start + length]
            if len(paragraph) >= REPEAT_PARAGRAPH_CHARS and paragraph not in distinct:
                distinct.add(paragraph)
                chars += len(paragraph)
                copied = len(distinct) >= REPEAT_MIN_DISTINCT and chars >= REPEAT_MIN_CHARS
            length += 1
            if length >= REPEAT_WITHIN and not copied:
                break  # (a few paragraphs in a cycle would otherwise be compared to the end each time)
        if copied:
            return length, used
    return 0, used


def _is_lead_chrome(paragraph: str) -> bool:
    """A line that heads an article page without being its text: a date, a byline, a section label."""
    if _is_byline_or_date(paragraph):
        return True
    # A label: one or two short words without a sentence's end (CJK text has no spaces: length decides).
    return (
        len(paragraph.split()) <= 2
        and len(paragraph) <= 30
        and not paragraph.endswith((".", "!", "?", ":", "。", "！", "？"))
    )


def _tidy(paragraphs: list[str], title: str) -> list[str]:
    """Drop the title and the date/byline/label lines before the first paragraph, and headings left with
    nothing under them at the end. An article made only of such short lines keeps them: an empty body is
    never the result of tidying."""
    kept = [p for p in paragraphs if not (UI_LINE_RE.match(p) or JSON_LINE_RE.match(p))]
    out: list[str] = []
    for paragraph in kept:
        if not out and (_is_lead_chrome(paragraph) or paragraph.casefold() == title.casefold()):
            continue
        out.append(paragraph)
    while out and (is_marker(out[-1]) or _is_lead_chrome(out[-1]) and len(out[-1]) < 40):
        out.pop()
    if sum(map(len, out)) < SHORT_ARTICLE_CHARS:
        # A short article (a notice, a line-up) is made of such lines: keep all but the title, bylines
        # and datelines.
        out = [p for p in kept if p.casefold() != title.casefold() and not _is_byline_or_date(p)]
    return out


def _is_byline_or_date(paragraph: str) -> bool:
    return bool(BYLINE_RE.match(paragraph) and len(paragraph.split()) <= 8 or DATELINE_RE.match(paragraph))


def _as_is(text: str) -> str:
    """Text as stored: without control characters, which character references (&#27;, &#0;) put back."""
    return strip_controls(text)


def _repaired(text: str) -> str:
    """The same, on a page that carries UTF-8 read in the wrong encoding: read right first (it leaves C1
    control characters where its quotes were)."""
    return strip_controls(repair_mojibake(text))


def _offset(published: datetime | None) -> timedelta | None:
    offset = published.utcoffset() if published is not None else None
    return offset if offset is not None and abs(offset) < timedelta(hours=24) else None


def extract(html: str, url: str | None = None) -> Extracted:
    """Extract the article and its metadata from a page's HTML."""
    extracted, dropped_hidden = _extract(html, url, show_hidden=False)
    if not extracted.body and dropped_hidden:
        # An empty body is the last resort: the page's hidden blocks are read before it is given.
        extracted, _ = _extract(html, url, show_hidden=True)
    return extracted


def _extract(html: str, url: str | None, *, show_hidden: bool) -> tuple[Extracted, bool]:
    doc = parse(html)
    if doc is None:
        return Extracted(), False
    # The day is searched for in the page's first DATE_SEARCH_CHARS (a second, smaller parse of a huge page).
    day = publication_day(doc if len(html) <= DATE_SEARCH_CHARS else parse(html[:DATE_SEARCH_CHARS]), url)
    jsonld = take_scripts(doc)
    body = first(doc.iter("body"))
    if body is not None:
        bound(body)
    meta = extract_metadata(doc, url, jsonld, day)
    sizes, dropped_hidden = (
        strip_chrome(body, show_hidden=show_hidden) if body is not None else (Sizes(doc), False)
    )
    top = body if body is not None else doc
    chosen = find_container(top, sizes)
    html_headlines = take_widgets(top, chosen, sizes, url)
    html_headlines += trailing_link_lists(chosen, sizes, url)
    drop_link_blocks(chosen, sizes)
    container = soup_of(chosen, TEXT_STRUCTURE_TAGS)
    paragraphs = _tidy(_drop_repeated_runs(_paragraphs(container)), meta.title)
    split = split_text("\n\n".join(paragraphs))
    text = _repaired if has_mojibake(meta.title, split.body) else _as_is
    headlines: list[Headline] = []
    seen: set[str] = set()
    for h in [*html_headlines, *(Headline(t) for t in split.headlines)]:
        if h.text.casefold() not in seen:  # "Related" and "Latest" often repeat a story
            seen.add(h.text.casefold())
            headlines.append(Headline(text(h.text), h.url))
    extracted = Extracted(
        title=text(meta.title),
        authors=[text(a) for a in meta.authors],
        published=as_utc(meta.published),
        published_offset=_offset(meta.published),
        language=meta.language,
        canonical_url=meta.canonical_url,
        body=text(split.body).strip(),
        headlines=headlines,
    )
    return extracted, dropped_hidden
