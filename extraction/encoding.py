"""Page bytes to text, as browsers and Scrapy decode them, with a detector for undeclared encodings."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode

DETECT_BYTES = 64 * 1024  # enough text to tell an encoding, little enough to stay fast
# The largest page read, decompressed: the crawl's download limit is the same (crawler/settings.py).
MAX_PAGE_BYTES = 10 * 1024 * 1024
# Control characters but tab and newline: never text (a NUL cannot even be stored in PostgreSQL), and on
# a terminal ESC sequences clear screens and retitle windows. (C1 characters stay: they are what is left of
# quotes in a page whose UTF-8 was read as Latin-1, and terminals in UTF-8 mode ignore them.)
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# The same, in a page's HTML, where tab, line end and \r stay (white space); a form feed is white space too,
# but not a character an lxml tree may hold.
HTML_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# Each an ASCII byte, never part of a longer UTF-8 sequence: replaced in the encoded page at C speed.
HTML_CONTROL_SPACES = bytes.maketrans(HTML_CONTROLS, b" " * len(HTML_CONTROLS))


class PageTooLarge(ValueError):
    """A saved page over MAX_PAGE_BYTES (decompressed)."""


def strip_controls(text: str) -> str:
    """`text` without control characters (tabs and newlines stay)."""
    return CONTROL_RE.sub("", text)


def html_bytes(html: str) -> bytes:
    """A page's HTML as UTF-8, with the control characters that are not white space made spaces (a page
    of NULs is then an empty page, not millions of U+FFFD; words on either side stay apart)."""
    return html.encode("utf-8", "replace").translate(HTML_CONTROL_SPACES)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Bytes -> text: the BOM, the HTTP header or <meta charset> when one is given (w3lib's rules, as
    Scrapy applies them); else UTF-8 when the bytes are valid UTF-8; else the encoding
    charset-normalizer detects (an undeclared cp1251, Shift_JIS or GB2312 page)."""
    _, text = html_to_unicode(content_type, data, auto_detect_fun=_detect_encoding)
    return text


def _detect_encoding(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:DETECT_BYTES]).best()
    return best.encoding if best is not None else None


def read_page(path: Path, limit: int = MAX_PAGE_BYTES) -> str:
    """A saved page (.html, or gzip-compressed .html.gz) as text, read (and decompressed) no further than
    `limit` bytes. PageTooLarge past it; OSError, EOFError or gzip.BadGzipFile when it cannot be read."""
    compressed = path.name.endswith(".gz")
    with gzip.open(path, "rb") if compressed else open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise PageTooLarge(
            f"larger than {limit / 2**20:g} MiB{' when decompressed' if compressed else ''}, "
            "the most a page may be (a crawl stops downloading there too)"
        )
    return decode_html(data)
