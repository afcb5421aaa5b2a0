"""Split the trailing headline list ("Related", "Latest news" widgets) off the end of an article's text.

Pure functions: text in, Split out. The rule of the house is caution: the last punctuated paragraph and
more than half of the text are never removed, and when the evidence is weak nothing is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.lines import (
    BARE_NUMBER_RE,
    CJK_RE,
    IMAGE_CREDIT_RE,
    MAX_DEK_WORDS,
    POSTED_DATE_RE,
    RULE_RE,
    SENTENCE_BREAK_RE,
    SENTENCE_END_RE,
    STAMP_RE,
    TEASER_END_RE,
    is_card_line,
    is_dek,
    is_footer,
    is_headline,
    is_marker,
    kind_of,
    loose_number,
    norm,
    strip_bullet,
)
from extraction.patterns import DAY_MONTH_RE
from extraction.topics import topic_overlap

# A widget lists other stories: a plain block whose words mostly come from the article above it is the
# article's own list (events, resources, steps), not a widget (see extraction.topics).
MAX_TOPIC_OVERLAP = 0.5
MAX_TOPIC_OVERLAP_UNDER_HEADING = 0.4

MAX_DEK_BLOCK_LINES = 40
# A trailing widget lists a few dozen stories at most (the dev cases up to 20): a run of more list lines is
# the text itself (a page that is a list), kept whole, and the walk up a text of 100,000 such lines stops
# here instead of testing every one of them.
MAX_LIST_LINES = 500
# Excerpts in a related-posts widget: cut after 6-60 words; without an ellipsis, cut at the same length.
MIN_TEASER_WORDS = 6
MAX_TEASER_WORDS = 60
MAX_TEASER_SPREAD = 3
MIN_CUT_CHARS = 80
MIN_PLAIN_ITEMS = 3  # a bare block of headlines needs three lines; a marker or bullets make two enough


@dataclass
class Split:
    body: str
    headlines: list[str] = field(default_factory=list)


def _counted(
    entries: list[tuple[str, int]], pos: int, kind: str, expected: int | None
) -> tuple[int, str] | None:
    """(number, text) when entries[pos], which is not plainly numbered, is an item of a numbered list: it
    carries the number the items below it count down to, or, as the list's last line, the line above it
    carries the number before its own."""
    loose = loose_number(entries[pos][0])
    if loose is None:
        return None
    number, rest, figure = loose
    if kind == "number":
        return (number, rest) if number == expected else None
    if kind or pos == 0:
        return None
    above = entries[pos - 1][0]
    if figure:  # "2.5 Best ..." is numbered only under a plainly numbered "1.Title"
        mark = strip_bullet(above)[0]
        return (number, rest) if mark[:1].isdigit() and int(mark[:-1]) == number - 1 else None
    previous = loose_number(above)
    return (number, rest) if previous and not previous[2] and previous[0] == number - 1 else None


@dataclass
class _Block:
    start: int  # index (into the non-blank lines) of the block's first line: the marker or first item
    items: list[str]
    kind: str
    marker: bool
    gap_before: int  # blank lines between the body and the block


def _find_block(entries: list[tuple[str, int]], end: int) -> _Block | None:
    """The trailing run of list lines ending at entries[end], read upwards. `entries` are the non-blank
    lines with the count of blank lines before each. A run has one style (a bullet character, numbers
    counting down by one, bare number lines alternating with items, or plain lines); a change of style, a
    line that cannot be a headline, or a double blank line ends it; a marker line above it is taken too."""
    items: list[str] = []
    kind = ""
    expected: int | None = None  # the number the next numbered line up must carry
    pos = end
    while pos >= 0:
        line, gap = entries[pos]
        if kind != "bare" and gap < 2 and is_card_line(line):
            pos -= 1  # a story's time stamp or section under its headline: the headline above decides
            continue
        line_kind, number, rest = kind_of(line)
        if items and is_marker(line):
            return _Block(pos, items[::-1], kind, True, gap)
        if line_kind == "bare":
            # Numbers stand above their items: the first one seen turns the one plain item below into a
            # bare-number list.
            if not (kind == "bare" or (kind == "plain" and len(items) == 1)):
                break
            if expected is not None and number != expected:
                break
            kind, expected = "bare", (number or 0) - 1
        else:
            if (
                line_kind == "plain"
                and kind != "bare"
                and (counted := _counted(entries, pos, kind, expected))
            ):
                line_kind, (number, rest) = "number", counted
            if not is_headline(rest, full_stop=_between_numbers(entries, pos, kind, number, expected)):
                break
            if kind == "bare":
                # In a bare-number list every item has its number above it.
                above = entries[pos - 1][0] if pos > 0 else ""
                if not BARE_NUMBER_RE.match(above):
                    break
            elif kind and line_kind != kind:
                break
            if line_kind == "number":
                if expected is not None and number != expected:
                    break
                expected = (number or 0) - 1
            if kind != "bare":
                kind = line_kind
            items.append(rest)
            if len(items) > MAX_LIST_LINES:
                return None
        if gap >= 2 and items:
            # A double blank line separates blocks: the list starts here, unless a marker heads it.
            if pos > 0 and is_marker(entries[pos - 1][0]):
                return _Block(pos - 1, items[::-1], kind, True, entries[pos - 1][1])
            return _Block(pos, items[::-1], kind, False, gap)
        pos -= 1
    if not items:
        return None
    start = pos + 1
    while start < end and STAMP_RE.match(norm(entries[start][0])):
        start += 1  # the article's own "Last updated" line above the list stays with it
    return _Block(start, items[::-1], kind, False, entries[start][1])


def _between_numbers(
    entries: list[tuple[str, int]], pos: int, kind: str, number: int | None, expected: int | None
) -> bool:
    """Is entries[pos] an item held on both sides by a numbered list counting on by one: in a list of
    numbered lines, its number follows the line above and comes before the line below; in a list of bare
    numbers, the number above it comes before the one below it?"""
    if expected is None or pos == 0:
        return False
    above = entries[pos - 1][0]
    if kind == "bare":
        return kind_of(above)[:2] == ("bare", expected)
    previous = loose_number(above)
    return kind == "number" and number == expected and previous is not None and previous[0] == expected - 1


def _find_dek_block(entries: list[tuple[str, int]], end: int) -> _Block | None:
    """A marker followed by headlines, each with at most one short sentence under it (a dek):
    "More stories / Headline / One sentence about it. / Headline / ..."."""
    items: list[str] = []
    deks = 0
    below_is_dek = False  # the line under the current one is a dek
    pos = end
    while pos >= 0 and end - pos <= MAX_DEK_BLOCK_LINES:
        line = entries[pos][0]
        rest = strip_bullet(line)[1]
        if is_marker(line):
            if len(items) >= 2 and deks and not below_is_dek:
                return _Block(pos, items[::-1], "dek", True, entries[pos][1])
            return None
        if is_headline(rest):
            items.append(rest)
            below_is_dek = False
        elif not below_is_dek and is_dek(rest):  # two sentences in a row are prose
            below_is_dek = True
            deks += 1
        else:
            return None
        pos -= 1
    return None


def _find_marked_block(entries: list[tuple[str, int]], end: int) -> _Block | None:
    """A marker followed by titles of which some end like sentences ("Other posts: / A supply-chain attack,
    and how we solved it. / Solving remote builds"): the marker says they are a list, if at most half
    of them end so."""
    items: list[str] = []
    pos = end
    while pos >= 0 and end - pos <= MAX_DEK_BLOCK_LINES:
        line = entries[pos][0]
        if items and is_marker(line):
            sentences = sum(not is_headline(item) for item in items)
            if len(items) >= 2 and sentences * 2 <= len(items):
                return _Block(pos, items[::-1], "marked", True, entries[pos][1])
            return None
        rest = strip_bullet(line)[1]
        # A double blank line above the line ends the list, unless the marker is just above.
        parted = entries[pos][1] >= 2 and not (pos > 0 and is_marker(entries[pos - 1][0]))
        if (
            parted
            or not is_headline(rest, full_stop=True)
            or rest.endswith(":")  # a line that announces something is not a title
            or SENTENCE_BREAK_RE.search(rest)  # two sentences are prose
            or is_footer(rest)  # "Sign up for the newsletter"
        ):
            return None
        items.append(rest)
        pos -= 1
    return None


def _find_teaser_block(entries: list[tuple[str, int]], end: int) -> _Block | None:
    """Stories as a related-posts widget shows them: each an excerpt cut short, under its headline or
    alone ("How to Eat Vegan on a Budget / Eating plant-based has countless benefits, and compa... /
    The Complete Guide to Vegan Seafood / You don't have to give up the taste of the sea to..."). An
    excerpt stops inside a sentence at "...", or, under a headline, where the others do: at the same
    length. Two headlines with excerpts make a list, or two excerpts alone under a widget's title; the
    items are the headlines, or the excerpts where there are none."""
    items: list[str] = []
    paired: bool | None = None  # each excerpt has a headline above it
    cut_at = 0  # the length at which excerpts without an ellipsis are cut
    start = pos = end
    while pos >= 0 and end - pos <= MAX_DEK_BLOCK_LINES:
        while pos > 0 and is_card_line(entries[pos][0]):
            pos -= 1
        line = norm(entries[pos][0])
        cut = bool(TEASER_END_RE.search(line))
        # Without an ellipsis, an excerpt is cut inside a sentence, at the length of the others.
        if not cut and (
            len(line) < MIN_CUT_CHARS
            or SENTENCE_END_RE.search(line)
            or line[-1] in '!?"”’)]'
            or cut_at
            and abs(len(line) - cut_at) > MAX_TEASER_SPREAD
        ):
            break
        # Neither an excerpt nor its headline is numbered or bulleted: such lines are a list's own items.
        if not MIN_TEASER_WORDS <= len(line.split()) <= MAX_TEASER_WORDS or _marked(line):
            break
        above = norm(entries[pos - 1][0]) if pos > 0 else ""
        headed = is_headline(above) and not is_marker(above) and not _marked(above)
        if paired is None:
            paired = headed
        if headed != paired or not (cut or paired):
            break
        if not cut:
            cut_at = cut_at or len(line)
        if paired:
            items.append(above)
            start, pos = pos - 1, pos - 2
        else:
            items.append(line)
            start, pos = pos, pos - 1
    if len(items) < 2:
        return None
    if start > 0 and is_marker(entries[start - 1][0]):
        return _Block(start - 1, items[::-1], "teaser", True, entries[start - 1][1])
    # Without a widget's title, excerpts alone may be the article's last lines trailing off.
    return _Block(start, items[::-1], "teaser", False, entries[start][1]) if paired else None


def _marked(line: str) -> bool:
    """Does the line start with a bullet or a number?"""
    return bool(strip_bullet(line)[0]) or loose_number(line) is not None


def _marker_above(entries: list[tuple[str, int]], end: int) -> bool:
    """Is there a marker close enough above entries[end] to head a block of headlines with deks or
    sentences? A line longer than a dek ends any such block."""
    for pos in range(end - 1, max(end - MAX_DEK_BLOCK_LINES, 0) - 1, -1):
        line = entries[pos][0]
        if is_marker(line):
            return True
        if len(line.split()) > MAX_DEK_WORDS:
            return False
    return False


def split_text(text: str) -> Split:
    """Split `text` into its body and the trailing list of headlines (which may be empty)."""
    lines = text.splitlines()
    entries: list[tuple[str, int]] = []
    where: list[int] = []
    blank = 0
    for i, line in enumerate(lines):
        if line.strip():
            entries.append((line, blank))
            where.append(i)
            blank = 0
        else:
            blank += 1
    if len(entries) < 3:
        return Split(body=text)
    end = len(entries) - 1
    # Footer lines at the very end go with a list, if one is found above them.
    while end >= 0 and is_footer(entries[end][0]) and len(entries) - end <= 3:
        end -= 1
    block = _find_block(entries, end) if end >= 0 else None
    if end >= 0 and (block is None or not block.marker) and _marker_above(entries, end):
        for other in (_find_dek_block(entries, end), _find_marked_block(entries, end)):
            if other is not None and (block is None or other.start < block.start):
                block = other
    # Headlines with excerpts read as plain lines too: the excerpts say which lines are the headlines.
    teasers = _find_teaser_block(entries, end) if end >= 0 else None
    if teasers is not None and (block is None or (teasers.start, block.marker) <= (block.start, False)):
        block = teasers
    if block is None or block.start == 0:
        return Split(body=text)
    # A widget's title over its hand-over sentence ("Related articles" / "You may also be interested in the
    # following articles:"): both go with the list.
    while block.marker and block.start > 1 and is_marker(entries[block.start - 1][0]):
        block.start -= 1
        block.gap_before = entries[block.start][1]
    items = list(dict.fromkeys(block.items))  # a story listed twice is one headline
    ruled = not block.marker and block.start >= 2 and bool(RULE_RE.match(entries[block.start - 1][0]))
    if ruled:
        block.start -= 1
    # Is the evidence strong enough? A marker is; bullets or numbers are for two items; plain lines need
    # three, or two set apart from the body by a double blank line, a rule or an image's credit line.
    set_apart = (
        ruled or block.gap_before >= 2 or bool(IMAGE_CREDIT_RE.match(norm(entries[block.start - 1][0])))
    )
    if block.marker or block.kind == "teaser":
        needed = 1
    elif block.kind != "plain":
        needed = 2
    else:
        needed = 2 if set_apart else MIN_PLAIN_ITEMS
    if len(items) < needed:
        return Split(body=text)
    before = norm(entries[block.start - 1][0])
    # A colon announces a list that belongs to the article ("Qualified teams:"), unless a marker says otherwise.
    if not block.marker and before.endswith(":"):
        return Split(body=text)
    body = "\n".join(lines[: where[block.start - 1] + 1])
    removed = sum(len(entries[k][0]) for k in range(block.start, len(entries)))
    if removed * 2 > len(text.strip()):
        return Split(body=text)
    if not block.marker and block.kind != "teaser":  # cut excerpts are a widget's, whatever their topic
        if not _looks_like_list(items):
            return Split(body=text)
        # Under a heading that is not a known widget title, a list on the article's own topic is a
        # section of the article ("My other tricks for battling bugs"). An exclamation ("Happy
        # practicing!") or two sentences on a line are the article's last words, not a heading.
        heading = is_headline(before) and not before.endswith("!") and not SENTENCE_BREAK_RE.search(before)
        limit = MAX_TOPIC_OVERLAP_UNDER_HEADING if heading else MAX_TOPIC_OVERLAP
        if topic_overlap(items, body) >= limit:
            return Split(body=text)
    return Split(body=body.rstrip() + "\n" if text.endswith("\n") else body.rstrip(), headlines=items)


def _looks_like_list(items: list[str]) -> bool:
    """Items without a marker: title-like lines, not short fragments, a run of questions (a FAQ or a call
    for comments) or dated entries (tour dates, events)."""
    words = [len(item.split()) for item in items]
    if sum(words) / len(words) < 3 and not any(CJK_RE.search(i) for i in items):
        return False
    # All questions, under at most a heading of their own ("Call for Comments").
    if len(items[1:]) >= 2 and all(item.rstrip().endswith("?") for item in items[1:]):
        return False
    # Dated entries are events, unless the date is the story's own, after its headline.
    dated = sum(bool(DAY_MONTH_RE.search(item)) and not POSTED_DATE_RE.search(item) for item in items)
    return dated * 2 < len(items)
