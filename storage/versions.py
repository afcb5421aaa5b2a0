"""How an article changed from one stored version to the next: word-level differences of its title and
body, and what kind of change each was (the title, the body, or a minor edit of a few words).

A difference is a list of segments (op, text): "=" text both versions have, "-" text only the earlier
one has, "+" text only the later one has; joining the "=" and "-" texts gives the earlier version, the
"=" and "+" texts the later one.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

Segment = tuple[str, str]

REEXTRACTION = "re-extraction"  # the later text came from a newer extractor, not from the publisher
MINOR_WORDS = 6  # an edit that changes fewer words than this is minor (a typo, a corrected name)
# Word by word up to this many words per version; longer texts are compared paragraph by paragraph, and
# beyond MAX_PARAGRAPHS as a whole (the comparison's time grows with the product of the two lengths).
MAX_WORDS = 20_000
MAX_PARAGRAPHS = 2_000
WORD_RE = re.compile(r"(\S+)(\s*)")  # a word and the white space after it
PARAGRAPH_RE = re.compile(r"(\S.*?)(\n\n+|$)", re.DOTALL)  # a paragraph and the blank lines after it


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn `old` into `new`, word by word (the white space after a changed run of
    words is left outside it)."""
    a, b = WORD_RE.findall(old), WORD_RE.findall(new)
    if max(len(a), len(b)) > MAX_WORDS:
        a, b = PARAGRAPH_RE.findall(old), PARAGRAPH_RE.findall(new)
        if max(len(a), len(b)) > MAX_PARAGRAPHS:
            a, b = [(old, "")], [(new, "")]
    segments: list[Segment] = []
    _add(segments, "=", new[: len(new) - len(new.lstrip())])
    matcher = SequenceMatcher(None, [w for w, _ in a], [w for w, _ in b])
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(segments, "=", "".join(w + space for w, space in b[j1:j2]))
            continue
        removed, added = a[i1:i2], b[j1:j2]
        # The later text ran on where the earlier one had a space before the removed words: keep it.
        gap = a[i1 - 1][1] if removed and i1 and segments and not segments[-1][1][-1:].isspace() else ""
        if not added:  # only removed: the space after it goes with it
            _add(segments, "-", gap + _joined(removed) + removed[-1][1])
            continue
        _add(segments, "-", gap + _joined(removed))
        _add(segments, "+", _joined(added))
        _add(segments, "=", added[-1][1])
    return segments


def _joined(words: list[tuple[str, str]]) -> str:
    """The words with the white space between them (not the space after the last)."""
    return "".join(w + space for w, space in words[:-1]) + words[-1][0] if words else ""


def _add(segments: list[Segment], op: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1][0] == op:
        segments[-1] = (op, segments[-1][1] + text)
    else:
        segments.append((op, text))


def changed_words(segments: list[Segment]) -> int:
    return sum(len(text.split()) for op, text in segments if op != "=")


def change_kind(title: list[Segment], body: list[Segment]) -> str:
    """ "title" when the title changed, else "body", or "minor" when fewer than MINOR_WORDS words did."""
    if changed_words(title):
        return "title"
    return "body" if changed_words(body) >= MINOR_WORDS else "minor"


def _versions(record: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every version of an article record (storage.records.get_article), the current one included."""
    every = {v["version"]: v for v in record["versions"]}
    every[record["version"]] = record
    return every


def _change(earlier: dict[str, Any], later: dict[str, Any], adjacent: bool) -> dict[str, Any]:
    """What changed from one version (a version or article record) to a later one: the title and body
    word by word, and the byline, date and split-off headlines when the earlier version kept them."""
    title, body = word_diff(earlier["title"], later["title"]), word_diff(earlier["body"], later["body"])
    change: dict[str, Any] = {"title": title, "body": body}
    if earlier.get("authors") is not None:  # versions kept before bylines were have none
        if earlier["authors"] != later["authors"]:
            change["byline"] = word_diff(", ".join(earlier["authors"]), ", ".join(later["authors"]))
        if earlier.get("published") != later.get("published"):
            change["published"] = [earlier.get("published"), later.get("published")]
        before, after = earlier.get("headlines") or [], later.get("headlines") or []
        added, removed = [h for h in after if h not in before], [h for h in before if h not in after]
        if added or removed:
            change["headlines"] = {"added": added, "removed": removed}
    # The kind recorded when the later text was stored (storage.articles.update_article: it describes the
    # step from the version just before), else worked out.
    change["kind"] = (later.get("change") if adjacent else None) or edit_kind(
        title, body, metadata=len(change) > 2, reextracted=later.get("origin") == "reextracted"
    )
    return change


def edit_kind(title: list[Segment], body: list[Segment], metadata: bool, reextracted: bool) -> str:
    """What kind of change a new version is: a re-extraction, or a publisher's edit of the title, of the
    body, of the byline, date or headlines only ("metadata"), or a minor one."""
    if reextracted:
        return REEXTRACTION
    if metadata and not changed_words(title) and not changed_words(body):
        return "metadata"
    return change_kind(title, body)


def version_changes(record: dict[str, Any]) -> list[dict[str, Any]]:
    """For an article record (storage.records.get_article: the current text and its earlier versions),
    each step from one version to the next, oldest first: `from`, `to`, `fetched_at` (of the later
    version), `kind`, the `title` and `body` segments, and `byline`, `published` and `headlines` when
    they changed."""
    every = _versions(record)
    numbers = sorted(every)
    return [
        {
            "from": a,
            "to": b,
            "fetched_at": every[b]["fetched_at"],
            **_change(every[a], every[b], adjacent=True),
        }
        for a, b in zip(numbers, numbers[1:], strict=False)
    ]


def compare(record: dict[str, Any], first: int, last: int) -> dict[str, Any]:
    """The change from version `first` to version `last` of an article record (ValueError naming the
    versions it has when either is not one of them)."""
    every = _versions(record)
    for number in (first, last):
        if number not in every:
            have = ", ".join(str(n) for n in sorted(every))
            raise ValueError(f"article {record['id']} has no version {number} (it has {have})")
    if first >= last:
        raise ValueError(f"--from ({first}) must be an earlier version than --to ({last})")
    adjacent = not any(first < n < last for n in every)
    return {"id": record["id"], "from": first, "to": last, **_change(every[first], every[last], adjacent)}


def changed_paragraphs(segments: list[Segment]) -> list[list[Segment]]:
    """The paragraphs (split at blank lines of the later text) that hold a change, each as its
    segments."""
    paragraphs: list[list[Segment]] = [[]]
    for op, text in segments:
        parts = re.split(r"(\n\n+)", text) if op != "-" else [text]
        for i, part in enumerate(parts):
            if i % 2 == 1:  # a paragraph break
                paragraphs.append([])
            elif part:
                paragraphs[-1].append((op, part))
    return [p for p in paragraphs if any(op != "=" for op, _ in p)]
