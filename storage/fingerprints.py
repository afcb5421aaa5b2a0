"""Content fingerprints: an exact hash of the normalised text, and a MinHash signature with LSH band keys
for near-duplicates (the same story edited, truncated or in another page template)."""

from __future__ import annotations

import hashlib

import numpy as np

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

# The signature is datasketch's MinHash (2.0, scheme "affine32", seed 1) computed here with numpy alone:
# stored signatures stay comparable whatever datasketch does next, and a crawl does not import datasketch
# and SciPy for it (0.6 s and ~55 MiB per crawl process). tests/test_fingerprints.py checks it bit for bit
# against datasketch. Each slot k maps a (pre-mixed) 32-bit shingle hash h to A[k] * h + B[k] mod 2**32
# (A odd: a bijection) and keeps the smallest.
_PERMUTATIONS = np.random.RandomState(1)
_A = _PERMUTATIONS.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
_B = _PERMUTATIONS.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
_EMPTY = np.full(NUM_PERM, (1 << 32) - 1, dtype=np.uint32)


def minhash(text: str) -> bytes | None:
    """MinHash signature of the text's word 3-grams (NUM_PERM 32-bit values), or None for a text too
    short to compare by resemblance (exact duplicates of those are still caught by the content hash)."""
    return signature(shingle_hashes(text))


def signature(hashes: bytes | None) -> bytes | None:
    """The MinHash signature of a text from its packed shingle hashes (storage.shingles.shingle_hashes)."""
    if hashes is None:
        return None
    if not hashes:
        return _EMPTY.astype("<u4").tobytes()
    mixed = _fmix32(np.frombuffer(hashes, dtype=np.uint32))
    # One row a slot, reduced along the row: a tenth of the time of one column a slot (0.06 against
    # 0.6 ms for 1,500 shingles), same values. uint32 arithmetic wraps: mod 2**32.
    slots = np.multiply.outer(_A, mixed)
    slots += _B[:, None]
    return slots.min(axis=1).astype("<u4").tobytes()


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (a bijection that spreads similar inputs), element-wise."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


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
