"""Lists in shapes the dev cases barely hold, built from the same corpus: the bodies of the dev cases
that have no list, followed by 2-8 titles of the extraction-dev pages numbered or bulleted in one of
several ways (with a marker line above, a footer below, start numbers other than 1 now and then), and
the articles' own lists (dev "no-list" cases ending with list lines) renumbered the same ways, which
must stay. Scored with `score_split.py`, per shape.

    python -m benchmarks.split_shapes [--seed 7] [--per-shape 60]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import CORPUS, NEWSDESK, missing_corpus, read_jsonl, score, timed, write_jsonl

SHAPES: dict[str, Callable[[int, str], str]] = {
    "1. Title": lambda n, h: f"{n}. {h}",
    "1.Title": lambda n, h: f"{n}.{h}",
    "1) Title": lambda n, h: f"{n}) {h}",
    "1)Title": lambda n, h: f"{n}){h}",
    "1 / Title": lambda n, h: f"{n}\n{h}",
    "1. / Title": lambda n, h: f"{n}.\n{h}",
    "01. Title": lambda n, h: f"{n:02d}. {h}",
    "1 Title": lambda n, h: f"{n} {h}",
    "1 - Title": lambda n, h: f"{n} - {h}",
    "#1 Title": lambda n, h: f"#{n} {h}",
    "1: Title": lambda n, h: f"{n}: {h}",
    "• Title": lambda n, h: f"• {h}",
    "- Title": lambda n, h: f"- {h}",
    "Title": lambda n, h: h,
}
MARKERS = ["Related", "Latest news", "Most Read", "More stories", "Trending", "Recommended", "Read next"]
FOOTERS = ["Advertisement", "© 2025 Example Media. All rights reserved.", "Updated: Nov 24, 2026 10:32 AM"]
OWN_LIST_LINE = re.compile(r"^\s*(?:[-•*·–—▪►■◦]|\d{1,2}[.)])\s+(\S.*)$")


def cases_with_lists(seed: int, per_shape: int, bodies: list[str], titles: list[str]) -> list[dict]:
    rnd = random.Random(seed)
    cases = []
    for shape, spell in SHAPES.items():
        for k in range(per_shape):
            body = rnd.choice(bodies).rstrip()
            headlines = rnd.sample(titles, rnd.randint(2, 8))
            sep = rnd.choice(["\n", "\n\n"])
            first = 1 if rnd.random() < 0.8 else rnd.randint(2, 6)
            tail = rnd.choice(MARKERS) + sep if rnd.random() < 0.3 else ""
            tail += sep.join(spell(first + i, h) for i, h in enumerate(headlines))
            if rnd.random() < 0.2:
                tail += "\n\n" + rnd.choice(FOOTERS)
            text = body + rnd.choice(["\n\n", "\n\n\n"]) + tail + "\n"
            cases.append(
                {"id": f"{shape}#{k}", "category": shape, "text": text, "body": body, "headlines": headlines}
            )
    return cases


def own_lists_renumbered(dev: list[dict]) -> list[dict]:
    cases = []
    for case in dev:
        if case["category"] != "no-list":
            continue
        lines = case["text"].rstrip("\n").split("\n")
        k = len(lines)
        while k > 0 and (OWN_LIST_LINE.match(lines[k - 1]) or not lines[k - 1].strip()):
            k -= 1
        items = [m.group(1) for line in lines[k:] if (m := OWN_LIST_LINE.match(line))]
        if len(items) < 2:
            continue
        for shape, spell in SHAPES.items():
            if shape != "Title":
                text = "\n".join(lines[:k] + [spell(i, h) for i, h in enumerate(items, start=1)]) + "\n"
                cases.append(
                    {"id": f"{case['id']}#{shape}", "category": "no-list", "text": text, "body": text}
                )
    return cases


def run(cases: list[dict], tmp: Path, name: str) -> dict:
    cases_path, inputs, pred = tmp / f"{name}.jsonl", tmp / f"{name}.in.jsonl", tmp / f"{name}.pred.jsonl"
    write_jsonl(cases_path, cases)
    write_jsonl(inputs, ({"id": c["id"], "text": c["text"]} for c in cases))
    timed([NEWSDESK, "split", "--jsonl"], pred, stdin=inputs)
    return score("score_split.py", str(cases_path), str(pred))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-shape", type=int, default=60)
    args = ap.parse_args(argv)
    dev_path, truth_path = CORPUS / "headline-split" / "dev.jsonl", CORPUS / "extraction-dev" / "truth.jsonl"
    if missing_corpus(dev_path) or missing_corpus(truth_path):
        return 0
    dev, truth = read_jsonl(dev_path), read_jsonl(truth_path)
    bodies = [c["body"] for c in dev if c["category"] == "no-list"]
    titles = [t["title"].strip() for t in truth if t.get("title") and len(t["title"].split()) >= 2]
    with tempfile.TemporaryDirectory() as tmp:
        lists = run(cases_with_lists(args.seed, args.per_shape, bodies, titles), Path(tmp), "lists")
        own = run(own_lists_renumbered(dev), Path(tmp), "own")
    overall = lists["overall"]
    print(f"\nList shapes (seed {args.seed}, {overall['cases']} cases)")
    print(f"  {'shape':12} {'cases':>5} {'exact':>6} {'trail P':>8} {'trail R':>8}")
    for shape, row in sorted(lists["per_category"].items(), key=lambda kv: list(SHAPES).index(kv[0])):
        print(
            f"  {shape:12} {row['cases']:>5} {row['exact_split_rate']:>6} {row['trail_precision']:>8} {row['trail_recall']:>8}"
        )
    print(
        f"  all          {overall['cases']:>5} {overall['exact_split_rate']:>6} {overall['trail_precision']:>8} "
        f"{overall['trail_recall']:>8}   body retention {overall['body_retention']}, "
        f"headline F1 {overall['headline_f1']}"
    )
    o = own["overall"]
    print(
        f"The articles' own lists renumbered ({o['cases']} cases, nothing may go): "
        f"false alarms {o['false_alarm_rate']}, body retention {o['body_retention']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
