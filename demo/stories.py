"""A site of many distinct stories for scale tests and benchmarks: `count` article pages of made-up text
(no two alike, so none is a near-duplicate of another) and a sitemap of them, written to a folder that
`python -m demo.server FOLDER` serves. `delay` makes every article answer that many seconds late."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = (
    "river council market school harbour budget station museum garden bridge festival library hospital "
    "railway theatre election weather farmer tourist police court mayor company factory harvest storm "
    "flood traffic energy water housing rent teacher student nurse doctor artist writer singer runner "
    "coach match season league club stadium concert gallery bakery island valley forest mountain coast "
    "village city county region nation minister report survey plan project proposal decision meeting "
    "hearing vote debate protest strike deal contract price cost tax fund grant loan bank shop street "
    "road lane square park beach port airport ferry bus tram bicycle engine battery solar wind grid cable"
).split()


def story(rng: random.Random, number: int) -> str:
    title = f"Story {number}: " + " ".join(rng.choice(WORDS) for _ in range(5))
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>" for _ in range(6)
    )
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def write_story_site(
    folder: Path, count: int, delay: float = 0.0, seed: int = 1, prefix: str = ""
) -> list[str]:
    """Write the site under `folder` (pages under /`prefix`story-N.html); returns the article paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = f"/{prefix}story-{number}.html"
        (folder / path.lstrip("/")).write_text(story(rng, number), encoding="utf-8")
        paths.append(path)
    entries = "".join(f"<url><loc>{{{{BASE}}}}{p}</loc></url>" for p in paths)
    (folder / f"{prefix}sitemap.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>',
        encoding="utf-8",
    )
    if delay:
        routes = {p: {"delay": delay} for p in paths}
        (folder / "_routes.json").write_text(json.dumps(routes), encoding="utf-8")
    return paths
