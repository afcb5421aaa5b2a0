"""Extraction quality, metadata accuracy and whole-process speed on extraction-dev: newsdesk vs trafilatura
vs whole-page get_text, on the same files in the same run (median of alternating runs).

    python -m benchmarks.extraction [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.common import CORPUS, NEWSDESK, missing_corpus, score, timed


def metadata_accuracy(pred_path: Path, truth: dict[str, dict]) -> dict[str, float]:
    hits = {"title": [0, 0], "author": [0, 0], "published": [0, 0]}
    for line in filter(None, pred_path.read_text(encoding="utf-8").split("\n")):
        pred = json.loads(line)
        gold = truth.get(pred["id"])
        if gold is None:
            continue
        if gold.get("title"):
            hits["title"][1] += 1
            hits["title"][0] += (
                " ".join((pred.get("title") or "").split()).casefold()
                == " ".join(gold["title"].split()).casefold()
            )
        if gold.get("author"):
            hits["author"][1] += 1
            names = " ; ".join(pred.get("authors") or []).casefold()
            hits["author"][0] += bool(names) and (
                gold["author"].casefold() in names or names in gold["author"].casefold()
            )
        if gold.get("published"):
            hits["published"][1] += 1
            hits["published"][0] += (pred.get("published") or "")[:10] == gold["published"][:10]
    return {k: round(h / n, 3) if n else 0.0 for k, (h, n) in hits.items()}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    corpus = CORPUS / "extraction-dev"
    if missing_corpus(corpus):
        return 0
    truth = {
        r["id"]: r
        for r in map(
            json.loads,
            (x for x in (corpus / "truth.jsonl").read_text(encoding="utf-8").split("\n") if x.strip()),
        )
    }
    commands = {
        "newsdesk": [NEWSDESK, "extract", str(corpus / "html"), "--format", "jsonl"],
        "trafilatura": [sys.executable, "-m", "benchmarks.reference", "trafilatura", str(corpus / "html")],
        "get_text": [sys.executable, "-m", "benchmarks.reference", "gettext", str(corpus / "html")],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    with tempfile.TemporaryDirectory() as tmp:
        out = {k: Path(tmp) / f"{k}.jsonl" for k in commands}
        for _ in range(args.runs):  # alternate, so drift on a noisy machine hits every tool alike
            for name, cmd in commands.items():
                times[name].append(timed(cmd, out[name]))
        rows = {}
        for name in commands:
            s = score("score_extraction.py", str(corpus), str(out[name]))
            rows[name] = (s, metadata_accuracy(out[name], truth) if name != "get_text" else {})
    ref = statistics.median(times["trafilatura"])
    print(
        f"\nExtraction on {corpus} ({len(truth)} pages), median of {args.runs} alternating whole-process runs"
    )
    print(
        f"{'tool':12} {'shingle P':>9} {'R':>6} {'F1':>6} {'bow F1':>7} {'with':>6} {'without':>8} "
        f"{'title':>6} {'author':>7} {'date':>6} {'seconds':>8} {'ratio':>6}"
    )
    for name, (s, meta) in rows.items():
        t = statistics.median(times[name])
        print(
            f"{name:12} {s['shingle_precision']:9.3f} {s['shingle_recall']:6.3f} {s['shingle_f1']:6.3f} "
            f"{s['bow_f1']:7.3f} {s['with_rate']:6.3f} {s['without_rate']:8.3f} "
            f"{meta.get('title', float('nan')):6.3f} {meta.get('author', float('nan')):7.3f} "
            f"{meta.get('published', float('nan')):6.3f} {t:8.2f} {t / ref:6.2f}"
        )
    print("ratio: seconds / trafilatura's seconds (<= 1.0 is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
