"""Page bytes to text, as browsers and Scrapy decode them, with a detector for undeclared encodings."""

from __future__ import annotations

import gzip
from pathlib import Path

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode

DETECT_BYTES = 64 * 1024  # enough text to tell an encoding, little enough to stay fast


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


def read_page(path: Path) -> str:
    """A saved page (.html, or gzip-compressed .html.gz) as text. OSError, EOFError or
    gzip.BadGzipFile when it cannot be read."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return decode_html(data)
