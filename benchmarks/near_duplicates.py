"""Near-duplicate detection: precision and recall on copies built from the extraction-dev pages.

Every page is extracted as a crawl would store it. Copies of it that must be found: an edited copy (one
word in 40 changed, a correction paragraph added), a truncated copy (the first 60% of its paragraphs, as
syndication feeds cut them) and a re-templated copy (its paragraphs in another site's page layout, with
navigation, a related-links list and a footer, extracted again). Texts that must not be matched: every
other page of the corpus, including the other pages of the same site (same template, other story).

The originals go into a fresh SQLite store; each copy and each held-out page is looked up with
`find_near_duplicate`, the function the crawl uses. A copy counts as found only when the lookup returns
its own original.

    python -m benchmarks.near_duplicates
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
from collections import defaultdict
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from benchmarks.common import CORPUS, missing_corpus
from extraction import extract
from storage.articles import NewArticle, find_near_duplicate, insert_article
from storage.db import connect
from storage.fingerprints import NEAR_DUPLICATE_RESEMBLANCE, content_hash, minhash
from storage.urls import canonicalize

TEMPLATE = """<!DOCTYPE html><html><head><title>{title} | The Other Paper</title></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav></header>
<main><div class="story-wrap"><h1>{title}</h1><div class="byline">By Staff Writer</div>
<div class="story-text">{paragraphs}</div>
<aside class="more"><h3>More from The Other Paper</h3><ul>
<li><a href="/a">Markets close higher as energy stocks rally</a></li>
<li><a href="/b">City council delays vote on transit budget</a></li>
<li><a href="/c">Weekend weather: showers clearing by Sunday</a></li></ul></aside></div></main>
<footer><p>Copyright The Other Paper. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def edited(body: str, rng: random.Random) -> str:
    words = body.split(" ")
    for i in range(0, len(words), 40):
        j = min(len(words) - 1, i + rng.randrange(40))
        words[j] = rng.choice(["said", "reported", "new", "local", "officials", "week"])
    return " ".join(words) + "\n\nCorrection: an earlier version of this article misstated a date."


def truncated(body: str) -> str:
    paragraphs = body.split("\n\n")
    return "\n\n".join(paragraphs[: max(1, round(len(paragraphs) * 0.6))])


def retemplated(title: str, body: str) -> str:
    from html import escape

    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    return extract(TEMPLATE.format(title=escape(title), paragraphs=paragraphs)).body


def new_article(url: str, title: str, body: str) -> NewArticle:
    return NewArticle(
        source="dev",
        url=url,
        title=title,
        authors=[],
        published_at=None,
        language=None,
        body=body,
        content_hash=content_hash(title, body),
        minhash=minhash(body),
    )


def evaluate(
    originals: list[dict], copies: dict[str, list[tuple[int, str]]], others: list[str], threshold: float
) -> dict:
    """Store `originals`, look up each copy (must return its original) and each other text (must
    return nothing); precision/recall per copy kind."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = connect(f"sqlite:///{tmp}/near.db")
        ids = []
        with Session(engine) as session, session.begin():
            for page in originals:
                ids.append(insert_article(session, new_article(page["url"], page["title"], page["body"])))
        result: dict[str, dict[str, float]] = {}
        with Session(engine) as session:
            false_matches = sum(
                find_near_duplicate(session, minhash(text), threshold) is not None for text in others
            )
            for kind, pairs in copies.items():
                found = wrong = 0
                for index, text in pairs:
                    match = find_near_duplicate(session, minhash(text), threshold)
                    found += match == ids[index]
                    wrong += match is not None and match != ids[index]
                result[kind] = {"recall": found / len(pairs), "wrong": wrong}
        engine.dispose()
    total = sum(len(p) for p in copies.values())
    found_all = sum(r["recall"] * len(copies[k]) for k, r in result.items())
    wrong_all = sum(r["wrong"] for r in result.values())
    result["all"] = {
        "recall": found_all / total,
        "precision": found_all / max(1, found_all + wrong_all + false_matches),
        "false_matches": false_matches,
        "others": len(others),
    }
    return result


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7", help="resemblance thresholds to report")
    args = ap.parse_args(argv)
    root = CORPUS / "extraction-dev"
    if missing_corpus(root):
        return 0
    truth = [
        json.loads(line)
        for line in (root / "truth.jsonl").read_text(encoding="utf-8").split("\n")
        if line.strip()
    ]
    pages, urls = [], set()
    for row in truth:
        url = canonicalize(row.get("url") or f"https://dev.example/{row['id']}")
        if url in urls:  # the corpus holds a page twice, under two spellings of its URL
            continue
        urls.add(url)
        html = gzip.decompress((root / "html" / f"{row['id']}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        article = extract(html, url)
        if minhash(article.body) is not None:
            pages.append({"url": url, "title": article.title or row["title"], "body": article.body})
    rng = random.Random(1)
    # Originals: two pages of every site that has several, and half of the rest; the other half are
    # the "different article" lookups. Same-site pages other than the stored one are lookups too.
    by_site: dict[str, list[int]] = defaultdict(list)
    for i, page in enumerate(pages):
        by_site[urlsplit(page["url"]).hostname or ""].append(i)
    stored, held_out = [], []
    for indexes in by_site.values():
        if len(indexes) > 1:
            stored.append(indexes[0])
            held_out.extend(indexes[1:])
        else:
            (stored if rng.random() < 0.5 else held_out).append(indexes[0])
    originals = [pages[i] for i in stored]
    copies = {
        "edited": [(k, edited(p["body"], rng)) for k, p in enumerate(originals)],
        "truncated": [(k, truncated(p["body"])) for k, p in enumerate(originals)],
        "re-templated": [(k, retemplated(p["title"], p["body"])) for k, p in enumerate(originals)],
    }
    others = [pages[i]["body"] for i in held_out]
    same_site = sum(len(v) - 1 for v in by_site.values() if len(v) > 1)
    print(
        f"\nNear-duplicates on {root} ({len(originals)} stored originals, {len(originals)} copies of each "
        f"kind, {len(others)} other articles of which {same_site} from a stored article's site)"
    )
    print(
        f"  {'resemblance':>11} {'edited':>7} {'truncated':>9} {'re-templ.':>9} {'recall':>7} {'precision':>9}"
    )
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        r = evaluate(originals, copies, others, threshold)
        mark = "  <- used" if threshold == NEAR_DUPLICATE_RESEMBLANCE else ""
        print(
            f"  {threshold:>11.2f} {r['edited']['recall']:>7.3f} {r['truncated']['recall']:>9.3f} "
            f"{r['re-templated']['recall']:>9.3f} {r['all']['recall']:>7.3f} {r['all']['precision']:>9.3f}"
            f"   ({r['all']['false_matches']} of {r['all']['others']} other articles matched){mark}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
