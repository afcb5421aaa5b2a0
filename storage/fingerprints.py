"""Content fingerprints: an exact hash of the normalised text, and a MinHash signature with LSH band keys
for near-duplicates (the same story edited, truncated or in another page template)."""

from __future__ import annotations

import hashlib

import numpy as np
from datasketch import MinHash

from storage.shingles import MIN_SHINGLES, content_hash, shingle_hashes, shingles

__all__ = [
    "BANDS",
    "MIN_SHINGLES",
    "NEAR_DUPLICATE_RESEMBLANCE",
    "NUM_PERM",
    "band_keys",
    "content_hash",
    "minhash",
    "resemblance",
    "shingles",
    "signature",
]

NUM_PERM = 64  # signature slots: 256 bytes per article
BANDS, ROWS = 16, 4  # LSH bands x slots per band = NUM_PERM
# Estimated Jaccard resemblance from which a text is the same story as a stored one (edited, truncated
# or re-templated copies sit above it, other articles of the same site far below: see BENCHMARKS.md).
NEAR_DUPLICATE_RESEMBLANCE = 0.4
_SEED_SKETCH = MinHash(num_perm=NUM_PERM, seed=1)  # permutations made once, shared by every sketch


def minhash(text: str) -> bytes | None:
    """MinHash signature of the text's word 3-grams (NUM_PERM 32-bit values), or None for a text too
    short to compare by resemblance (exact duplicates of those are still caught by the content hash)."""
    return signature(shingle_hashes(text))


def signature(hashes: list[int] | None) -> bytes | None:
    """The MinHash signature of a text from its shingle hashes (storage.shingles.shingle_hashes)."""
    if hashes is None:
        return None
    sketch = MinHash(
        num_perm=NUM_PERM,
        permutations=_SEED_SKETCH.permutations,
        scheme=_SEED_SKETCH.scheme,
        hashfunc=_hashed,
    )
    sketch.update_batch(hashes)
    return sketch.hashvalues.astype("<u4").tobytes()


def _hashed(value: int) -> int:
    return value


def resemblance(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' 3-gram sets (share of equal signature slots)."""
    return float(np.mean(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4")))


def band_keys(signature: bytes) -> list[int]:
    """LSH band keys: BANDS hashes of ROWS slots each, as signed 64-bit integers. Two texts with
    resemblance s share at least one key with probability 1 - (1 - s**ROWS)**BANDS: 0.99 at s = 0.7,
    0.64 at 0.5, 0.12 at 0.3 (candidates are then checked against NEAR_DUPLICATE_RESEMBLANCE)."""
    size = 4 * ROWS
    return [
        int.from_bytes(
            hashlib.blake2b(bytes([i]) + signature[i * size : (i + 1) * size], digest_size=8).digest(),
            "big",
            signed=True,
        )
        for i in range(BANDS)
    ]
