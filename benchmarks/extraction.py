"""Extraction quality, metadata accuracy and whole-process speed on extraction-dev: newsdesk vs trafilatura
vs whole-page get_text, on the same files in the same run (median of alternating runs). Quality is also
given for each half of the corpus (even lines of truth.jsonl, which rules were tuned on, and odd lines,
held out); then the slowest pages, and the pages built to be slow (benchmarks/pages.py), each of which
must extract in under a second.

    python -m benchmarks.extraction [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import CORPUS, NEWSDESK, missing_corpus, score, timed
from benchmarks.pages import PATHOLOGICAL
from extraction import decode_html, extract

MAX_PAGE_SECONDS = 1.0


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
        halves = split_truth(corpus, Path(tmp))
        rows = {}
        for name in commands:
            s = score("score_extraction.py", str(corpus), str(out[name]))
            rows[name] = (s, metadata_accuracy(out[name], truth) if name != "get_text" else {})
        half_rows = {
            (name, half): score("score_extraction.py", str(folder), str(out[name]))
            for name in ("newsdesk", "trafilatura")
            for half, folder in halves.items()
        }
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
    print(f"\n{'half':28} {'tool':12} {'shingle F1':>10} {'bow F1':>7} {'without':>8}")
    for (name, half), s in half_rows.items():
        print(f"{half:28} {name:12} {s['shingle_f1']:10.4f} {s['bow_f1']:7.4f} {s['without_rate']:8.4f}")
    slowest_pages(corpus / "html")
    return pathological_pages()


def split_truth(corpus: Path, tmp: Path) -> dict[str, Path]:
    """Corpus folders holding the even and the odd lines of truth.jsonl."""
    lines = [x for x in (corpus / "truth.jsonl").read_text(encoding="utf-8").split("\n") if x.strip()]
    halves = {"even (tuned on)": lines[0::2], "odd (held out)": lines[1::2]}
    folders = {}
    for i, (half, chosen) in enumerate(halves.items()):
        folder = tmp / f"half{i}"
        folder.mkdir()
        (folder / "truth.jsonl").write_text("\n".join(chosen) + "\n", encoding="utf-8")
        folders[half] = folder
    return folders


def slowest_pages(folder: Path, shown: int = 3) -> None:
    """Each page extracted in this process, timed alone: the slowest ones and the 99th percentile."""
    timings = []
    for path in sorted(folder.iterdir()):
        html = decode_html(gzip.decompress(path.read_bytes()))
        start = time.perf_counter()
        extract(html)
        timings.append((time.perf_counter() - start, path.name))
    timings.sort(reverse=True)
    p99 = timings[len(timings) // 100][0]
    worst = ", ".join(f"{name} {seconds:.3f} s" for seconds, name in timings[:shown])
    print(f"\nslowest pages (in process): {worst}; 99th percentile {p99:.3f} s")


def pathological_pages() -> int:
    """The pages built to be slow, best of 3 in this process; 1 when one takes over MAX_PAGE_SECONDS."""
    print(f"\n{'page built to be slow':32} {'seconds':>8} {'body chars':>10}")
    failed = 0
    for name, build in PATHOLOGICAL.items():
        html = build("The council approved the budget on Tuesday, after a long debate about bus routes.")
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            body = extract(html).body
            best = min(best, time.perf_counter() - start)
        over = best > MAX_PAGE_SECONDS
        failed += over
        print(
            f"{name:32} {best:8.3f} {len(body):10} {'OVER ' + str(MAX_PAGE_SECONDS) + ' s' if over else ''}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
