"""Vocabularies and patterns that several extraction stages share: month names, byline words, the titles of
headline widgets."""

from __future__ import annotations

import re

# An English month name or its abbreviation ("Sep", "Sept.", "September"); a regex fragment.
MONTH_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
# The word that introduces an author's name, in the languages newsdesk meets most.
BYLINE_WORDS = ("by", "von", "par", "por", "di", "de", "door", "av", "af", "автор")
BYLINE_WORD = "(?:" + "|".join(BYLINE_WORDS) + ")"

# A date written in words or ISO form: "March 4, 2025", "4 March 2025", "2025-03-04".
WRITTEN_DATE_RE = re.compile(
    rf"\b(?:{MONTH_NAME}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\.?\s+{MONTH_NAME}\.?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
# A day and month, with or without a year ("Nov 24", "24 Nov", "24/11/2026"): a list item with one is a
# dated entry (tour dates, events).
DAY_MONTH_RE = re.compile(
    rf"\b{MONTH_NAME}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+{MONTH_NAME}\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b",
    re.IGNORECASE,
)
# A byline line ("By Jane Doe", "Von Max Muster").
BYLINE_RE = re.compile(rf"^{BYLINE_WORD}\s+\S", re.IGNORECASE)
# The byline word in front of an author's name, to strip it ("By: Jane Doe" -> "Jane Doe").
BY_PREFIX_RE = re.compile(rf"^\s*{BYLINE_WORD}\s*[:\s]\s*", re.IGNORECASE)

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
