"""Content fingerprints: an exact hash of the normalised text and a 64-bit SimHash for near-duplicates."""

from __future__ import annotations

import hashlib
import re

WORD_RE = re.compile(r"\w+")
SHINGLE = 3  # word 3-grams: robust to small edits, sensitive to different stories
MASK64 = (1 << 64) - 1


def normalise(text: str) -> str:
    return " ".join(WORD_RE.findall(text.casefold()))


def content_hash(title: str, body: str) -> str:
    """Same hash for the same words, whatever the whitespace, case or punctuation."""
    return hashlib.sha256(f"{normalise(title)}\n{normalise(body)}".encode()).hexdigest()


def simhash(text: str) -> int:
    """Charikar's SimHash over word 3-gram shingles, as an unsigned 64-bit integer."""
    words = WORD_RE.findall(text.casefold())
    if not words:
        return 0
    grams = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    weights = [0] * 64
    for gram in grams:
        h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def to_signed(value: int) -> int:
    """Unsigned 64-bit -> signed (what BIGINT columns hold)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & MASK64


def bands(value: int) -> tuple[int, int, int, int]:
    """Four 16-bit bands of an unsigned SimHash: texts within 3 bits share at least one band."""
    return (value & 0xFFFF, value >> 16 & 0xFFFF, value >> 32 & 0xFFFF, value >> 48 & 0xFFFF)


def distance(a: int, b: int) -> int:
    return ((a ^ b) & MASK64).bit_count()
