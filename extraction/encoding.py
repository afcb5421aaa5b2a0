"""Page bytes to text, as browsers and Scrapy decode them, with a detector for undeclared encodings."""

from __future__ import annotations

import gzip
import itertools
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


# UTF-8 read as Windows-1252 or Latin-1 ("doesnâ€™t", "cafÃ©"): a character that would be a UTF-8 lead byte,
# then one that would continue it. Only text with such a pair is given to ftfy, which decides.
MOJIBAKE_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def has_mojibake(title: str, body: str) -> bool:
    """Does a page's text carry UTF-8 read in the wrong encoding: in its title, or in two places of its
    body? (One pair in a long body is as likely an example quoted in the article: "I saw "Ã¤" instead".)"""
    return (
        MOJIBAKE_RE.search(title) is not None
        or sum(1 for _ in itertools.islice(MOJIBAKE_RE.finditer(body), 2)) == 2
    )


def repair_mojibake(text: str) -> str:
    """`text` with UTF-8 that was read in the wrong encoding (once or more) read right, as ftfy repairs it;
    other text as it is."""
    if MOJIBAKE_RE.search(text) is None:
        return text
    import ftfy  # loaded for the few pages that need it

    return str(ftfy.fix_encoding(text))


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
