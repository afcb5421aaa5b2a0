from __future__ import annotations

import random
import subprocess
import sys

import pytest
from datasketch import MinHash

import storage.shingles as shingles_module
from storage.fingerprints import BANDS, NUM_PERM, band_keys, content_hash, minhash, resemblance, shingles

WORDS = [
    "council",
    "budget",
    "minister",
    "river",
    "school",
    "road",
    "hospital",
    "vote",
    "plan",
    "tax",
    "station",
    "harbour",
    "market",
    "winter",
    "report",
    "police",
    "court",
    "museum",
    "farmers",
    "rail",
    "bridge",
    "energy",
    "water",
    "housing",
    "teachers",
    "nurses",
    "storm",
    "park",
    "library",
    "election",
    "mayor",
    "street",
    "festival",
    "price",
    "bus",
    "ferry",
    "airport",
    "museum",
    "union",
    "strike",
    "factory",
]
_rng = random.Random(7)
TEXT = " ".join(_rng.choice(WORDS) for _ in range(400))


def test_content_hash_ignores_whitespace_case_and_punctuation() -> None:
    assert content_hash("Title", "Some  text,\nhere.") == content_hash("title", "some text here")
    assert content_hash("Title", "Some text here") != content_hash("Title", "Other text here")


def signature(text: str) -> bytes:
    value = minhash(text)
    assert value is not None
    return value


def test_minhash_ignores_formatting_and_tells_copies_from_other_texts() -> None:
    words = TEXT.split()
    edited = " ".join(words[:200] + ["changed"] + words[201:])
    truncated = " ".join(words[:300])
    rng = random.Random(8)
    other = " ".join(rng.choice(WORDS) for _ in range(400))
    assert resemblance(signature(TEXT), signature(TEXT.replace(" ", "  ").upper())) == 1.0
    assert resemblance(signature(TEXT), signature(edited)) > 0.85
    assert resemblance(signature(TEXT), signature(truncated)) > 0.55
    assert resemblance(signature(TEXT), signature(other)) < 0.2


def test_band_keys_are_shared_by_copies_and_short_texts_are_not_signed() -> None:
    keys = band_keys(signature(TEXT))
    assert len(keys) == BANDS and all(-(2**63) <= k < 2**63 for k in keys)
    words = TEXT.split()
    edited = " ".join(words[:100] + ["changed"] + words[101:])
    assert set(keys) & set(band_keys(signature(edited)))
    assert minhash("Too short to tell a copy from a coincidence.") is None


def test_signatures_from_worker_hashes_match_datasketchs_own_hashing() -> None:
    # Stored signatures were made by datasketch hashing each 3-gram itself; the workers now hash them.
    text = " ".join(f"word{i} and then some other word{i * 7 % 13}" for i in range(60))
    sketch = MinHash(num_perm=NUM_PERM, seed=1)
    sketch.update_batch([g.encode() for g in shingles(text)])
    assert minhash(text) == sketch.hashvalues.astype("<u4").tobytes()


def test_signatures_are_datasketchs_bit_for_bit_without_loading_it() -> None:
    # newsdesk computes datasketch's MinHash itself: every stored signature must stay what it was.
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(400)]
    for _ in range(300):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(60, 600)))
        sketch = MinHash(num_perm=NUM_PERM, seed=1)
        sketch.update_batch([g.encode() for g in shingles(text)])
        assert minhash(text) == sketch.hashvalues.astype("<u4").tobytes()
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, storage.fingerprints; print(sorted({'datasketch', 'scipy'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_the_shingle_hashes_read_in_one_step_are_those_read_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Big-endian machines take the one-by-one path: both must pack the same 32-bit values.
    text = " ".join(f"word{i} and then some other word{i * 7 % 13}" for i in range(60))
    at_once = shingles_module.shingle_hashes(text)
    monkeypatch.setattr(shingles_module, "NATIVE_LITTLE_ENDIAN", False)
    assert shingles_module.shingle_hashes(text) == at_once
