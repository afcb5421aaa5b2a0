from __future__ import annotations

import random

from pipelines.fingerprints import bands, content_hash, distance, simhash, to_signed, to_unsigned

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


def test_simhash_ignores_formatting_and_separates_other_texts() -> None:
    words = TEXT.split()
    words[200] = "changed"
    edited = " ".join(words)
    other = " ".join(random.Random(8).choice(WORDS) for _ in range(400))
    assert distance(simhash(TEXT), simhash(TEXT.replace(" ", "  ").upper())) == 0
    assert distance(simhash(TEXT), simhash(edited)) < distance(simhash(TEXT), simhash(other))
    assert distance(simhash(TEXT), simhash(other)) > 10


def test_signed_round_trip_and_bands() -> None:
    value = simhash(TEXT)
    assert to_unsigned(to_signed(value)) == value
    assert -(2**63) <= to_signed(value) < 2**63
    b = bands(value)
    assert sum(part << (16 * i) for i, part in enumerate(b)) == value
