"""Splitter quality and batch speed on headline-split/dev.jsonl: `newsdesk split --jsonl`, whole process,
against `cat` of the same input as the process-cost floor, in the same run. Quality is also given for the
two halves of the cases (even and odd lines): rules are tuned on the even half, and the odd half shows
whether a change carries over to cases it was not tuned on.

    python -m benchmarks.split [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.common import CORPUS, NEWSDESK, missing_corpus, read_jsonl, score, timed, write_jsonl


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copies", type=int, default=10, help="repeat the cases to time a bigger batch")
    args = ap.parse_args(argv)
    cases_path = CORPUS / "headline-split" / "dev.jsonl"
    if missing_corpus(cases_path):
        return 0
    cases = read_jsonl(cases_path)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in.jsonl"
        write_jsonl(inputs, ({"id": c["id"], "text": c["text"]} for c in cases))
        batch = Path(tmp) / "batch.jsonl"
        write_jsonl(
            batch, ({"id": f"{c['id']}-{k}", "text": c["text"]} for k in range(args.copies) for c in cases)
        )
        pred = Path(tmp) / "pred.jsonl"
        timed([NEWSDESK, "split", "--jsonl"], pred, stdin=inputs)
        s = score("score_split.py", str(cases_path), str(pred))["overall"]
        halves = []
        for name, parity in (("even (tuned on)", 0), ("odd (held out)", 1)):
            half = Path(tmp) / f"half{parity}.jsonl"
            write_jsonl(half, (c for i, c in enumerate(cases) if i % 2 == parity))
            halves.append((name, score("score_split.py", str(half), str(pred))["overall"]))
        split_times, cat_times = [], []
        for _ in range(args.runs):
            split_times.append(timed([NEWSDESK, "split", "--jsonl"], Path(tmp) / "b.jsonl", stdin=batch))
            cat_times.append(timed(["cat"], Path(tmp) / "c.jsonl", stdin=batch))
    n = len(cases) * args.copies
    t = statistics.median(split_times)
    print(f"\nSplitting {cases_path} ({len(cases)} cases)")
    for key in (
        "body_retention",
        "false_alarm_rate",
        "trail_precision",
        "trail_recall",
        "exact_split_rate",
        "headline_f1",
    ):
        print(f"  {key:18} {s[key]}" + "".join(f"   {name}: {h[key]}" for name, h in halves))
    print(
        f"  batch of {n} cases: {t:.2f}s whole process (median of {args.runs}), {n / t:,.0f} cases/s; "
        f"cat of the same input {statistics.median(cat_times):.3f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
