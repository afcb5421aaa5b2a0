"""What one line of plain text is, for the headline splitter: a widget's title (a marker), a footer, a
bulleted or numbered item, a line that could be a headline, a time stamp, a dek.

Pure functions of a line; the splitter (extraction.splitter) decides from them where a trailing list starts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extraction.patterns import HEADLINE_MARKERS, MONTH_NAME

MARKER_PREFIX_RE = re.compile(
    r"^(?:more (?:from|on|in|stories from|news from|articles|posts|stories|news)\b.*|related\b.*|latest\b.*"
    r"|most (?:popular|read)\b.*|also read|also (?:in|on)\b.*|read more"
    r"|(?:other|recent|popular|similar|featured|recommended|trending|top) (?:posts|articles|stories|news|reads)\b.*"
    # the same with the site's topic in between: "More Japan Travel Guides", "Recent Health News"
    r"|(?:more|other|recent|popular|similar|featured|recommended|trending|top) (?!than\b)(?:[\w’'&-]+ ){0,3}"
    r"(?:posts|articles|stories|news|reads|guides|reviews|recipes|videos|features|headlines)"
    r"|you(?:'ll|’ll| will| may| might)(?: also)? (?:like|love|enjoy)\b.*|you (?:may|might) also be interested\b.*"
    r"|(?:this|these) (?:may|might|could) (?:also )?(?:be )?(?:of )?interest(?:ing)?(?: to)?(?: you)?"
    r"|(?:read|watch) (?:this )?next)$"
)
# A sentence that hands the reader over to other stories: "check out these articles", "you might also enjoy
# our other posts".
LEAD_IN_RE = re.compile(
    r"(?:^|[,;:]\s*|\byou(?:['’]ll| will| may| might| can| should)?(?: also)?\s+)"
    r"(?:check out|read|see|explore|browse|enjoy|like|love|be interested in)\b.*"
    r"\b(?:these|our|more|other|related|similar|the following)\s+"
    r"(?:[\w’'-]+\s+){0,3}(?:articles|posts|stories|guides|reads|pieces|reports)$"
)
LEAD_IN_ENDS = ("articles", "posts", "stories", "guides", "reads", "pieces", "reports")
MAX_LEAD_IN_WORDS = 25
# Lines that close a page after the list: they go with the list, never decide on their own.
FOOTER_RE = re.compile(
    r"^(?:advertisement|advertising|anzeige|publicidad|sponsored|back to top|top of page|share this"
    r"|(?:subscribe|sign up) (?:to|for) (?:our|the) newsletter\.?|newsletter sign-?up"
    r"|(?:copyright\s*)?©.*|copyright\b.*|.*all rights reserved\.?"
    r"|.*\baffiliate links?\b.*"
    # the widget's own time stamps: "Updated: Nov 24, 2026 10:32 AM", "Posted: 24/11/2026 09:15"
    r"|(?:last )?(?:updated|posted|published)(?: on| at)?\s*:?\s*(?=[^\n]*\d)[\w ,./:+-]{1,40})$",
    re.IGNORECASE,
)
# A bullet or a number and a space; a number with its "." or ")" may run into the headline ("1.Title",
# "2)“Quoted”"), but "1.5 million" is a figure.
BULLET_RE = re.compile(
    r"^\s*(?P<mark>[-•»*·–—▪►■◦→>]|\d{1,2}[.)])(?:\s+|(?<=\))(?=\S)|(?<=\.)(?=[^\d\s]))(?P<rest>\S.*)$"
)
# Other ways of numbering a list ("#1 Title", "1 - Title", "1: Title", "1 Title", "2.5 Best ..."): taken as
# numbering only where the numbers around the line count on by one.
LOOSE_NUMBER_RE = re.compile(
    r"^\s*#?(?P<number>\d{1,2})(?P<figure>\.(?=\d))?(?:\s*[-–—|]\s+|[.):]?\s*)(?P<rest>\S.*)$"
)
# A horizontal rule between the article and a list ("______", "-----"): it goes with the list.
RULE_RE = re.compile(r"^\s*(?:[_=~—–-]\s*){3,}$")
# An image's credit line, "(Image credit: ...)", "(Photo: ...)": the article's last line when a list follows.
IMAGE_CREDIT_RE = re.compile(
    r"^\((?:(?:image|photo|photograph|picture|video)s?(?: credits?)?\s*:|(?:credits?|courtesy)\b).*\)$",
    re.IGNORECASE,
)
# A section prefix some widgets put before each headline ("Photos: ...", "Analysis | ...").
SECTION_PREFIX_RE = re.compile(
    r"^(?:photos|videos|pictures|in pictures|gallery|watch|listen|live|opinion|analysis|explainer|podcast)"
    r"\s*[:|]\s+(?=\S)",
    re.IGNORECASE,
)
# A date with its year, in words or ISO form ("January 13, 2020", "13 Jan 2020", "2020-01-13"); a fragment.
_DATE = rf"{MONTH_NAME}\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\.?\s+{MONTH_NAME}\.?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
# A story's date after its headline in a list of posts ("Title - January 13, 2020", "Title | 2025-05-15"):
# the date of a story, not of an event, when it ends the line and carries a year.
POSTED_DATE_RE = re.compile(
    rf"(?:\s[-–—|·•]\s*|\s\(|,\s)(?:{_DATE}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})\)?$", re.IGNORECASE
)
# A story's time stamp on its own line under its headline in a list ("May 15, 2025", "05.15.2025 10:32",
# "Updated: 3 hours ago"): part of the list, not a headline.
STAMP_RE = re.compile(
    r"^(?:(?:last )?(?:updated|posted|published)(?: on| at)?\s*:?\s*)?"
    rf"(?:(?:{_DATE}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}})(?:,?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}(?:\s*[ap]\.?m\.?)?)?"
    r"|\d{1,3}\s+(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?)\s+ago)$",
    re.IGNORECASE,
)
# A story's section under its headline in a related-posts widget: 'In "News"', 'In “Travel”'.
CATEGORY_RE = re.compile(r"^in\s+[\"“«][^\"”»]{1,40}[\"”»]$", re.IGNORECASE)
# An excerpt cut short by a widget: it stops inside a sentence, at "...", "…" or "[…]" after a word.
TEASER_END_RE = re.compile(r"[^\W_][,;]?\s?(?:\.{3}|…|\[(?:\.{3}|…)\])$")
BARE_NUMBER_RE = re.compile(r"^\s*\d{1,2}[.)]?\s*$")
# Body lines that look short but belong to the article: credits, captions, bylines (see is_credit).
CREDIT_START_RE = re.compile(
    r"\(?(?:reporting|editing|writing|additional reporting|contributing|compiled|photo|photos|image|"
    r"source|sources|credit|credits|words|by|with|via|text|edited by|written by|follow)\b"
    r"|(?:note|editor'?s note|update|updated|last updated|published|posted|correction|disclaimer|disclosure"
    r"|contact|e-?mail|phone|tel|address)\s*:"
    r"|\(.*\)$",
    re.IGNORECASE,
)
CREDIT_NAMES = ("getty images", "reuters", "associated press", "(ap)", "©")
AFP_RE = re.compile(r"\bafp\b", re.IGNORECASE)
ARROWS = ">»→↩"  # "Read the full report →": a link's arrow
VARIATION_SELECTORS = "\ufe0e\ufe0f"
# End of a sentence: a paragraph ending like this is body, never a headline.
SENTENCE_END_RE = re.compile(r"[.;:,…]['\"’”)\]]*$")
# One sentence ending and another starting inside a line.
SENTENCE_BREAK_RE = re.compile(r"[a-z][.?!]['\"’”)]*\s+['\"‘“(]*[A-Z]")
# "U.S." or "Inc." ending a headline is an abbreviation, not a full stop.
ABBREVIATION_END_RE = re.compile(r"(?:\b[A-Z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|vs|Dr|Mr|Mrs|Ms)\.$")
URL_RE = re.compile(r"https?://|www\.\w")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

MAX_DEK_WORDS = 40  # a dek is one short sentence under a headline
MAX_MARKER_CHARS = 1000  # longer than any widget title or hand-over sentence, white space included
MAX_HEADLINE_CHARS = 220
MAX_HEADLINE_WORDS = 32


def norm(line: str) -> str:
    return " ".join(line.split())


@lru_cache(maxsize=4096)  # each scan up the text asks again about the same lines
def is_marker(line: str) -> bool:
    """A widget's title ("Related", "More from Sport:") or a sentence that hands over to other stories
    ("If you liked this, check out these articles!")."""
    if len(line) > MAX_MARKER_CHARS:  # (a block's whole text is asked too: megabytes, in a hostile page)
        return False
    key = norm(line).casefold().rstrip(":.!»>›→ ").strip()
    if not key or len(key) > 60:
        return bool(key) and len(key.split()) <= MAX_LEAD_IN_WORDS and _leads_in(key)
    return (
        key in HEADLINE_MARKERS
        or bool(MARKER_PREFIX_RE.match(key))
        and len(key.split()) <= 6
        or _leads_in(key)
    )


def _leads_in(key: str) -> bool:
    # LEAD_IN_RE ends with one of LEAD_IN_ENDS: the test in C spares most lines the regex.
    return key.endswith(LEAD_IN_ENDS) and bool(LEAD_IN_RE.search(key))


def is_footer(line: str) -> bool:
    return bool(FOOTER_RE.match(norm(line)))


def strip_bullet(line: str) -> tuple[str, str]:
    """('»', 'Headline') for a bulleted or numbered line, ('', line) otherwise."""
    m = BULLET_RE.match(line)
    if m:
        return m.group("mark"), m.group("rest").strip()
    return "", line.strip()


def is_headline(text: str, *, full_stop: bool = False) -> bool:
    """Could this (bullet-stripped) line be one headline of a list? With `full_stop`, one that ends like a
    sentence may be (the item of a numbered list, whose numbers already say it is a list)."""
    if "\t" in text or URL_RE.search(text):  # a table row or a reference, not a headline
        return False
    text = norm(text)
    if ":" in text or "|" in text:
        text = SECTION_PREFIX_RE.sub("", text, count=1)
    if not text or len(text) > MAX_HEADLINE_CHARS:
        return False
    parts = text.split(",")
    if len(parts) >= 4 and ":" not in text and all(len(p.split()) <= 3 for p in parts):
        return False  # an enumeration ("Carports, Decks, Sheds, Signs"), not a title
    cjk = len(CJK_RE.findall(text))
    if cjk:
        if cjk < 6 or text.endswith(("。", "；", "：", "，")):
            return False
    else:
        words = text.split()
        if len(words) < 2 or len(words) > MAX_HEADLINE_WORDS:
            return False
        if not any(c.isalpha() for c in text):
            return False
    if is_credit(text):
        return False
    # An abbreviation's last letters are in the line's last 12 characters (\b there still sees the
    # character before): the search need not try every place in the line.
    return (
        full_stop
        or not SENTENCE_END_RE.search(text)
        or bool(ABBREVIATION_END_RE.search(text, max(len(text) - 12, 0)))
    )


def is_credit(text: str) -> bool:
    """A credit, caption or byline ("(Reporting by ...)", "Photo: Getty Images", "Contact: ..."), or a
    link ending in an arrow. Read with substring tests where a regex would try every place in the line."""
    if CREDIT_START_RE.match(text):
        return True
    end = text.rstrip()
    if end[-1:] and end[-1] in VARIATION_SELECTORS:
        end = end[:-1]
    if end[-1:] and end[-1] in ARROWS:
        return True
    low = text.lower()
    return any(name in low for name in CREDIT_NAMES) or ("afp" in low and bool(AFP_RE.search(text)))


def kind_of(line: str) -> tuple[str, int | None, str]:
    """(kind, number, text) of a list line: kind is 'bullet:<char>', 'number', 'bare' (a line that is only
    a number) or 'plain'."""
    if BARE_NUMBER_RE.match(line):
        return "bare", int(re.sub(r"\D", "", line)), ""
    mark, rest = strip_bullet(line)
    if not mark:
        return "plain", None, rest
    if mark[0].isdigit():
        return "number", int(re.sub(r"\D", "", mark)), rest
    return f"bullet:{mark}", None, rest


def loose_number(line: str) -> tuple[int, str, bool] | None:
    """(number, text, is it maybe a figure such as "2.5 million") of a line that may be numbered."""
    m = LOOSE_NUMBER_RE.match(line)
    if m is None:
        return None
    return int(m["number"]), m["rest"].strip(), m["figure"] is not None


def is_card_line(line: str) -> bool:
    """A story's time stamp or section under its headline in a list ("May 15, 2025", 'In "News"')."""
    line = norm(line)
    return bool(STAMP_RE.match(line) or CATEGORY_RE.match(line))


def is_dek(text: str) -> bool:
    words = text.split()
    return 3 <= len(words) <= MAX_DEK_WORDS and not is_credit(text)
