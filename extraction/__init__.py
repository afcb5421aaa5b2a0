"""Page HTML -> article (body, metadata, trailing headlines), and plain text -> body + trailing headlines.

Pure functions over bs4/lxml; nothing here imports the rest of newsdesk, so `newsdesk extract|split`, the
crawl's clean stage and any script use the same code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from extraction.datestrings import parse_date
from extraction.encoding import MAX_PAGE_BYTES, PageTooLarge, decode_html, read_page, strip_controls
from extraction.timelimit import DEFAULT_TIME_LIMIT, PageTooSlow, time_limit, time_limit_value

if TYPE_CHECKING:
    from extraction.article import Extracted, extract
    from extraction.linklists import Headline
    from extraction.splitter import Split, split_text

# The extractor and the splitter, loaded on first use: a process that only decodes pages and reads dates
# (a crawl's spider, the command line) does without lxml's passes, BeautifulSoup and htmldate.
LOADED_ON_USE = {
    "Extracted": "extraction.article",
    "extract": "extraction.article",
    "Headline": "extraction.linklists",
    "Split": "extraction.splitter",
    "split_text": "extraction.splitter",
}


def __getattr__(name: str) -> object:
    module = LOADED_ON_USE.get(name)
    if module is None:
        raise AttributeError(f"module 'extraction' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


# Stored with every article it extracts; changed whenever the rules change what a page gives, so that
# `newsdesk reextract` knows which stored articles an older extractor made.
EXTRACTOR_VERSION = "2026.12.01.4"

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "EXTRACTOR_VERSION",
    "MAX_PAGE_BYTES",
    "Extracted",
    "Headline",
    "PageTooLarge",
    "PageTooSlow",
    "Split",
    "decode_html",
    "extract",
    "parse_date",
    "read_page",
    "split_text",
    "strip_controls",
    "time_limit",
    "time_limit_value",
]
