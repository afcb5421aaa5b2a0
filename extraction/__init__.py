"""Page HTML -> article (body, metadata, trailing headlines), and plain text -> body + trailing headlines.

Pure functions over bs4/lxml; nothing here imports the rest of newsdesk, so `newsdesk extract|split`, the
crawl's clean stage and any script use the same code.
"""

from __future__ import annotations

from extraction.article import Extracted, extract
from extraction.dates import parse_date
from extraction.encoding import MAX_PAGE_BYTES, PageTooLarge, decode_html, read_page, strip_controls
from extraction.linklists import Headline
from extraction.splitter import Split, split_text

# Stored with every article it extracts; changed whenever the rules change what a page gives, so that
# `newsdesk reextract` knows which stored articles an older extractor made.
EXTRACTOR_VERSION = "2026.11.30.2"

__all__ = [
    "EXTRACTOR_VERSION",
    "MAX_PAGE_BYTES",
    "Extracted",
    "Headline",
    "PageTooLarge",
    "Split",
    "decode_html",
    "extract",
    "parse_date",
    "read_page",
    "split_text",
    "strip_controls",
]
