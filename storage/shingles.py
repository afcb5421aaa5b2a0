"""The text side of an article's fingerprints, in plain Python (no numpy): the exact content hash and the
32-bit hashes of the text's word 3-grams that storage.fingerprints turns into a MinHash signature. Split
off so that the crawl's extraction workers compute them without loading numpy."""

from __future__ import annotations

import hashlib
import operator
import re
import struct
import sys

WORD_RE = re.compile(r"\w+")
SHINGLE = 3  # word 3-grams: robust to small edits, sensitive to different stories
MIN_SHINGLES = 20  # shorter texts are compared by their exact hash only


def _words(text: str) -> list[str]:
    return WORD_RE.findall(text.casefold())


def normalise(text: str) -> str:
    return " ".join(_words(text))


def content_hash(title: str, body: str) -> str:
    """Same hash for the same words, whatever the whitespace, case or punctuation."""
    return _content_hash(title, _words(body))


def _content_hash(title: str, body_words: list[str]) -> str:
    return hashlib.sha256(f"{normalise(title)}\n{' '.join(body_words)}".encode()).hexdigest()


def shingles(text: str) -> set[str]:
    return _grams(_words(text))


def _grams(words: list[str]) -> set[str]:
    return set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))


def shingle_hashes(text: str) -> bytes | None:
    """The 32-bit hash of each distinct word 3-gram (datasketch's sha1_hash32: the first four bytes of
    its SHA-1, little-endian), packed as 4-byte unsigned integers in the machine's byte order, or
    None for a text too short to compare by resemblance. Packed, they cross from an extraction worker to
    the crawl process as one string of bytes, not a list of a thousand integers."""
    return _hashes(_grams(_words(text)))


def _hashes(grams: set[str]) -> bytes | None:
    if len(grams) < MIN_SHINGLES:
        return None
    digests = map(DIGEST, map(hashlib.sha1, map(str.encode, grams)))
    if NATIVE_LITTLE_ENDIAN:  # every fifth 32-bit word of the 20-byte digests, read in one step
        return memoryview(b"".join(digests)).cast("I")[::5].tobytes()
    values = [int.from_bytes(d[:4], "little") for d in digests]
    return struct.pack(f"={len(values)}I", *values)  # "=": 4 bytes each, as numpy's uint32 reads them


DIGEST = operator.methodcaller("digest")
NATIVE_LITTLE_ENDIAN = sys.byteorder == "little" and struct.calcsize("I") == 4


def fingerprints(title: str, body: str) -> tuple[str, bytes | None]:
    """content_hash(title, body) and shingle_hashes(body), the body's words read once."""
    words = _words(body)
    return _content_hash(title, words), _hashes(_grams(words))
