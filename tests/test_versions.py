"""What changed between two versions of an article: word-level segments and the kind of change."""

from __future__ import annotations

import json
import random
from pathlib import Path

from storage.versions import change_kind, changed_paragraphs, compare, version_changes, word_diff
from tests.conftest import Server, newsdesk
from tests.test_incremental import crawl, page, query, rss, site, story

BODY = "The council met on Monday.\n\nIt approved the budget for next year after a long debate."


def texts(segments: list[tuple[str, str]]) -> tuple[str, str]:
    """The earlier and the later text the segments describe."""
    return (
        "".join(t for op, t in segments if op != "+"),
        "".join(t for op, t in segments if op != "-"),
    )


def test_the_segments_give_back_both_versions() -> None:
    words = "the council met on monday budget vote a of".split()
    rng = random.Random(7)
    for _ in range(2000):
        old = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        new = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        earlier, later = texts(word_diff(old, new))
        assert later == new
        assert earlier.split() == old.split()


def test_kinds_of_change() -> None:
    fixed_typo = BODY.replace("budget", "budgett")
    rewritten = BODY + "\n\nThe opposition said the plan would raise taxes for every family in town."
    assert change_kind(word_diff("Budget", "Budget"), word_diff(BODY, fixed_typo)) == "minor"
    assert change_kind(word_diff("Budget", "Budget"), word_diff(BODY, rewritten)) == "body"
    assert change_kind(word_diff("Budget", "Budget passes"), word_diff(BODY, BODY)) == "title"


def test_only_changed_paragraphs_are_shown() -> None:
    later = BODY.replace("Monday", "Tuesday")
    (paragraph,) = changed_paragraphs(word_diff(BODY, later))
    assert paragraph == [("=", "The council met on "), ("-", "Monday."), ("+", "Tuesday.")]


def test_steps_between_versions_and_a_chosen_pair() -> None:
    record = {
        "id": 7,
        "version": 3,
        "title": "Budget passes",
        "body": BODY + " Update: it passed.",
        "fetched_at": "2026-11-30T10:00:00Z",
        "versions": [
            {"version": 2, "title": "Budget passes", "body": BODY, "fetched_at": "2026-11-29T10:00:00Z"},
            {"version": 1, "title": "Budget", "body": BODY, "fetched_at": "2026-11-28T10:00:00Z"},
        ],
    }
    steps = version_changes(record)
    assert [(s["from"], s["to"], s["kind"]) for s in steps] == [(1, 2, "title"), (2, 3, "minor")]
    whole = compare(record, 1, 3)
    assert whole["kind"] == "title" and ("+", "Update: it passed.") in whole["body"]
    for first, last, message in [(1, 4, "has no version 4"), (3, 1, "must be an earlier version")]:
        try:
            compare(record, first, last)
        except ValueError as e:
            assert message in str(e)
        else:
            raise AssertionError("no error")


def test_very_long_texts_are_compared_by_paragraph_in_bounded_time() -> None:
    old = "\n\n".join(f"Paragraph {i} says something about item {i}." for i in range(6000))
    new = old.replace("item 3000.", "item three thousand.")
    earlier, later = texts(word_diff(old, new))
    assert later == new and earlier.split() == old.split()


def test_byline_date_and_headline_changes_are_part_of_a_change() -> None:
    earlier = {
        "version": 1,
        "title": "Budget",
        "body": BODY,
        "fetched_at": "2026-11-28T10:00:00Z",
        "authors": ["Ana Ruiz"],
        "published": "2026-11-28T08:00:00Z",
        "headlines": ["Ferry strike ends", "Tolls rise"],
    }
    record = {
        **earlier,
        "id": 9,
        "version": 2,
        "authors": ["Ana Ruiz", "Tom Lee"],
        "published": "2026-11-27T08:00:00Z",
        "headlines": ["Ferry strike ends", "Museum reopens"],
        "versions": [earlier],
    }
    (step,) = version_changes(record)
    assert step["kind"] == "metadata"
    assert texts(step["byline"]) == ("Ana Ruiz", "Ana Ruiz, Tom Lee")
    assert step["published"] == ["2026-11-28T08:00:00Z", "2026-11-27T08:00:00Z"]
    assert step["headlines"] == {"added": ["Museum reopens"], "removed": ["Tolls rise"]}
    # A version kept before bylines were has none to compare: nothing is claimed about them.
    (old_step,) = version_changes({**record, "versions": [{**earlier, "authors": None}]})
    assert "byline" not in old_step and "headlines" not in old_step and old_step["kind"] == "minor"


def test_edits_found_by_a_second_crawl_are_told_apart(tmp_path: Path, sqlite_url: str) -> None:
    """A site whose publisher retitles one story, rewrites another and fixes a typo in a third."""
    text = {name: story(seed) for name, seed in (("retitled", 61), ("rewritten", 62), ("typo", 63))}
    folder = site(
        tmp_path / "paper",
        {
            "feed.xml": rss([f"/{name}.html" for name in text]),
            **{f"{name}.html": page(f"Story {name}", paragraphs) for name, paragraphs in text.items()},
        },
    )
    server = Server(folder)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\nrefresh_after = "0s"\n'
        )
        crawl(tmp_path, sqlite_url, "paper")
        (folder / "retitled.html").write_text(page("Story retitled after complaints", text["retitled"]))
        added = "The council will publish the full figures in a report to be debated next month."
        (folder / "rewritten.html").write_text(page("Story rewritten", [*text["rewritten"], added]))
        fixed = [text["typo"][0].replace(" ", "  ", 1).replace(text["typo"][0].split()[1], "corrected", 1)]
        (folder / "typo.html").write_text(page("Story typo", fixed + text["typo"][1:]))
        (second,) = crawl(tmp_path, sqlite_url, "paper")
    finally:
        server.stop()
    assert second["updated"] == 3
    kinds = {}
    for article in query(tmp_path, sqlite_url):
        shown = newsdesk(
            "--db", sqlite_url, "show", str(article["id"]), "--diff", "--format", "json", cwd=tmp_path
        )
        (change,) = json.loads(shown.stdout)
        kinds[article["title"]] = change["kind"]
        stored = newsdesk("--db", sqlite_url, "show", str(article["id"]), "--format", "json", cwd=tmp_path)
        assert json.loads(stored.stdout)[0]["change"] == change["kind"]  # recorded when the edit was stored
    assert kinds == {
        "Story retitled after complaints": "title",
        "Story rewritten": "body",
        "Story typo": "minor",
    }
