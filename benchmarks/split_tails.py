"""The headline splitter on real extractor tails: trafilatura's text of each extraction-dev page (default
settings, comments left out), whose lines after the last one found in the page's reference body are what
the extractor left behind (teasers, related-post cards, sign-up pitches, bios, comments). `newsdesk split
--jsonl` reads every text; counted per half of the pages (even: tuned on, odd: held out):

- body lost: texts where more lines went than the tail holds (a line of the article went too);
- tail lines removed, and tails removed whole, in part, or not at all.

Most tails are not headline lists (a bio, a call to action, comments), so "not at all" is often right: the
figures compare rounds, they are not a score. Lines are matched to the reference by their first 80
characters of words, case-folded.

    python -m benchmarks.split_tails
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.common import CORPUS, NEWSDESK, missing_corpus, read_jsonl, timed, write_jsonl

MATCH_CHARS = 80


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def trafilatura_text(path: Path) -> tuple[str, str]:
    import trafilatura  # a benchmark dependency, loaded in the pool's processes only

    html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
    text = trafilatura.extract(html, include_comments=False, include_tables=True) or ""
    return path.name.split(".")[0], text


def tail_of(text: str, reference: str) -> tuple[list[str], list[str]]:
    """(lines, tail): the text's non-blank lines, and those after the last one the reference holds."""
    lines = [line for line in text.splitlines() if line.strip()]
    held = words(reference)
    last = max((i for i, line in enumerate(lines) if words(line)[:MATCH_CHARS] in held), default=-1)
    return lines, lines[last + 1 :]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args(argv)
    truth_path = CORPUS / "extraction-dev" / "truth.jsonl"
    if missing_corpus(truth_path):
        return 0
    truth = {row["id"]: row for row in read_jsonl(truth_path)}
    pages = sorted((CORPUS / "extraction-dev" / "html").glob("*.html.gz"))
    with ProcessPoolExecutor(2) as pool:
        texts = dict(pool.map(trafilatura_text, pages, chunksize=8))
    ids = sorted(i for i in truth if texts.get(i))
    with tempfile.TemporaryDirectory() as tmp:
        inputs, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        write_jsonl(inputs, ({"id": i, "text": texts[i]} for i in ids))
        timed([NEWSDESK, "split", "--jsonl"], out, stdin=inputs)
        bodies = {row["id"]: row["body"] for row in read_jsonl(out)}
    order = {i: k for k, i in enumerate(sorted(truth))}
    print(f"\nTrafilatura's text of {len(ids)} extraction-dev pages through `newsdesk split`")
    print(
        f"  {'half':16} {'texts':>5} {'tails':>5} {'body lost':>9} {'tail lines':>10} {'removed':>7}  whole/part/none"
    )
    for name, parity in (("even (tuned on)", 0), ("odd (held out)", 1)):
        counts = dict.fromkeys(("texts", "tails", "lost", "lines", "removed", "whole", "part", "none"), 0)
        for i in ids:
            if order[i] % 2 != parity:
                continue
            lines, tail = tail_of(texts[i], truth[i]["body"])
            removed = len(lines) - sum(1 for line in bodies[i].splitlines() if line.strip())
            counts["texts"] += 1
            counts["lost"] += removed > len(tail)
            if tail:
                counts["tails"] += 1
                counts["lines"] += len(tail)
                counts["removed"] += min(removed, len(tail))
                counts["whole" if removed == len(tail) else "none" if removed == 0 else "part"] += 1
        print(
            f"  {name:16} {counts['texts']:5} {counts['tails']:5} {counts['lost']:9} {counts['lines']:10} "
            f"{counts['removed']:7}  {counts['whole']}/{counts['part']}/{counts['none']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
