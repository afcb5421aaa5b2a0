"""Split the trailing headline list ("Related", "Latest news" widgets) off the end of an article's text.

Pure functions: text in, Split out. The rule of the house is caution: the last punctuated paragraph and
more than half of the text are never removed, and when the evidence is weak nothing is removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Lines that introduce a headline widget (compared case-folded, without trailing punctuation).
HEADLINE_MARKERS = (
    "related",
    "related articles",
    "related stories",
    "related news",
    "related posts",
    "related content",
    "related coverage",
    "related reading",
    "related topics",
    "read more",
    "read next",
    "read also",
    "also read",
    "see also",
    "more",
    "more news",
    "more stories",
    "more from",
    "more on this",
    "more on this story",
    "more from this section",
    "more in",
    "more to read",
    "what to read next",
    "latest",
    "latest news",
    "latest stories",
    "latest articles",
    "latest posts",
    "latest headlines",
    "most popular",
    "most read",
    "most viewed",
    "popular",
    "popular now",
    "popular stories",
    "trending",
    "trending now",
    "trending stories",
    "top stories",
    "top news",
    "editor's picks",
    "editors' picks",
    "editor’s picks",
    "you may also like",
    "you might also like",
    "you may like",
    "recommended",
    "recommended for you",
    "recommended stories",
    "recommended reading",
    "further reading",
    "don't miss",
    "don’t miss",
    "in case you missed it",
    "other news",
    "in other news",
    "more headlines",
    "up next",
    "more like this",
    "recent posts",
    "recent articles",
    "recent news",
    # German, French, Spanish, Italian, Portuguese, Russian, Chinese, Japanese widget titles
    "mehr zum thema",
    "lesen sie auch",
    "auch interessant",
    "das könnte sie auch interessieren",
    "meistgelesen",
    "weitere artikel",
    "à lire aussi",
    "lire aussi",
    "sur le même sujet",
    "les plus lus",
    "te puede interesar",
    "lo más leído",
    "noticias relacionadas",
    "leer más",
    "más noticias",
    "leggi anche",
    "i più letti",
    "leia também",
    "mais lidas",
    "читайте также",
    "самое читаемое",
    "по теме",
    "相关新闻",
    "相关阅读",
    "热门新闻",
    "関連記事",
    "関連ニュース",
    "最新ニュース",
)
MARKER_PREFIX_RE = re.compile(
    r"^(?:more (?:from|on|in|stories from|news from)\b.*|related\b.*|latest\b.*|most (?:popular|read)\b.*"
    r"|also read|read more|you (?:may|might) also like)$"
)
# Lines that close a page after the list: they go with the list, never decide on their own.
FOOTER_RE = re.compile(
    r"^(?:advertisement|advertising|anzeige|publicidad|sponsored|back to top|top of page|share this"
    r"|(?:copyright\s*)?©.*|copyright\b.*|.*all rights reserved\.?)$",
    re.IGNORECASE,
)
BULLET_RE = re.compile(r"^\s*(?P<mark>[-•»*·–—▪►■◦→>]|\d{1,2}[.)])\s+(?P<rest>\S.*)$")
BARE_NUMBER_RE = re.compile(r"^\s*\d{1,2}[.)]?\s*$")
# Body lines that look short but belong to the article: credits, captions, bylines.
CREDIT_RE = re.compile(
    r"^\(?(?:reporting|editing|writing|additional reporting|contributing|compiled|photo|photos|image|"
    r"source|sources|credit|credits|words|by|with|via|text|edited by|written by|follow)\b"
    r"|^\(.*\)$|getty images|reuters|associated press|\bafp\b|\(ap\)|©",
    re.IGNORECASE,
)
# End of a sentence: a paragraph ending like this is body, never a headline.
SENTENCE_END_RE = re.compile(r"[.;:,…]['\"’”)\]]*$")
# "U.S." or "Inc." ending a headline is an abbreviation, not a full stop.
ABBREVIATION_END_RE = re.compile(r"(?:\b[A-Z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|vs|Dr|Mr|Mrs|Ms)\.$")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

MIN_PLAIN_ITEMS = 3  # a bare block of headlines needs three lines; a marker or bullets make two enough
MAX_HEADLINE_CHARS = 220
MAX_HEADLINE_WORDS = 32


@dataclass
class Split:
    body: str
    headlines: list[str] = field(default_factory=list)


def _norm(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def is_marker(line: str) -> bool:
    key = _norm(line).casefold().rstrip(":.!»>›→ ").strip()
    if not key or len(key) > 60:
        return False
    return key in HEADLINE_MARKERS or bool(MARKER_PREFIX_RE.match(key)) and len(key.split()) <= 6


def is_footer(line: str) -> bool:
    return bool(FOOTER_RE.match(_norm(line)))


def strip_bullet(line: str) -> tuple[str, str]:
    """('»', 'Headline') for a bulleted or numbered line, ('', line) otherwise."""
    m = BULLET_RE.match(line)
    if m:
        return m.group("mark"), m.group("rest").strip()
    return "", line.strip()


def is_headline(text: str) -> bool:
    """Could this (bullet-stripped) line be one headline of a list?"""
    text = _norm(text)
    if not text or len(text) > MAX_HEADLINE_CHARS or CREDIT_RE.search(text):
        return False
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
    return not (SENTENCE_END_RE.search(text) and not ABBREVIATION_END_RE.search(text))


def _mark_kind(mark: str) -> str:
    if not mark:
        return ""
    return "number" if mark[0].isdigit() else "bullet"


def split_text(text: str) -> Split:
    """Split `text` into its body and the trailing list of headlines (which may be empty)."""
    lines = text.splitlines()
    idx = [i for i, line in enumerate(lines) if line.strip()]
    if len(idx) < 3:
        return Split(body=text)
    pos = len(idx) - 1
    # 1. footer lines at the very end go with a list, if one is found above them.
    while pos >= 0 and is_footer(lines[idx[pos]]) and len(idx) - pos <= 3:
        pos -= 1
    end = pos
    # 2. the block of items, read upwards.
    items: list[str] = []
    kinds: set[str] = set()
    marker_at: int | None = None
    while pos >= 0:
        line = lines[idx[pos]]
        if BARE_NUMBER_RE.match(line):
            kinds.add("bare")
            pos -= 1
            continue
        if is_marker(line) and items:
            marker_at = pos
            pos -= 1
            break
        mark, rest = strip_bullet(line)
        if not is_headline(rest):
            break
        items.append(rest)
        kinds.add(_mark_kind(mark))
        pos -= 1
    start = marker_at if marker_at is not None else pos + 1
    if not items or start > end:
        return Split(body=text)
    items.reverse()
    # 3. is the evidence strong enough?
    # Bullets, numbers or a marker are evidence of a list in themselves; bare lines need more of them.
    structured = "bare" in kinds or kinds <= {"bullet"} or kinds <= {"number"}
    needed = 1 if marker_at is not None else 2 if structured else MIN_PLAIN_ITEMS
    if len(items) < needed or len(kinds - {"bare"}) > 1:
        return Split(body=text)
    if start == 0:
        return Split(body=text)
    before = _norm(lines[idx[start - 1]])
    # A colon announces a list that belongs to the article ("Qualified teams:"), unless a marker says otherwise.
    if marker_at is None and before.endswith(":"):
        return Split(body=text)
    body = "\n".join(lines[: idx[start - 1] + 1])
    removed = sum(len(lines[i]) for i in idx[start:])
    if removed * 2 > len(text.strip()):
        return Split(body=text)
    if marker_at is None and not _looks_like_list(items):
        return Split(body=text)
    return Split(body=body.rstrip() + "\n" if text.endswith("\n") else body.rstrip(), headlines=items)


def _looks_like_list(items: list[str]) -> bool:
    """Plain items: mostly title-like lines, not a run of short sentence fragments from the article."""
    words = [len(item.split()) for item in items]
    return sum(words) / len(words) >= 3 or any(CJK_RE.search(i) for i in items)
