"""Pages built to be slow: deep nesting and very large pages extract correctly, and every pass is linear
(the time bounds are checked by `python -m benchmarks.extraction`, which times these same pages)."""

from __future__ import annotations

from benchmarks.pages import crowded_head, cycling_page, deep_page, large_page, listed_page
from extraction import extract

SENTENCE = "The council approved the budget on Tuesday, after a long debate about bus routes."


def test_twenty_thousand_nested_divs_keep_the_article() -> None:
    page = extract(deep_page("div", 20_000, SENTENCE))
    assert SENTENCE in page.body


def test_twenty_thousand_unclosed_list_items_and_table_cells_are_text() -> None:
    for shape in ("li", "td", "p"):
        page = extract(deep_page(shape, 20_000, SENTENCE))
        assert SENTENCE in page.body, shape


def test_a_five_megabyte_page_keeps_its_paragraphs() -> None:
    html = large_page(5 * 2**20, SENTENCE)
    assert len(html) >= 5 * 2**20
    page = extract(html)
    assert page.body.count(SENTENCE) > 1000


def test_a_head_of_fifty_thousand_tags_and_a_megabyte_title_is_bounded() -> None:
    page = extract(crowded_head(50_000, SENTENCE))
    assert page.body.startswith(SENTENCE)
    assert 900 < len(page.title) <= 1001 and page.title.endswith("…")


def test_six_thousand_paragraphs_in_a_cycle_are_all_kept() -> None:
    # Each is a repeat, but no run of them is a copy of the article (three short paragraphs in turn).
    page = extract(cycling_page(6_000, SENTENCE))
    for n in ("one", "two", "three"):
        assert page.body.count(f"{SENTENCE} ({n})") == 2_000


def test_a_text_ending_in_a_hundred_thousand_list_lines_keeps_them() -> None:
    # Far longer than any widget: the page's own text, kept whole (the splitter stops reading such a run
    # after MAX_LIST_LINES lines instead of testing each of them: 1.9-2.8 s before, 0.6 s now).
    page = extract(listed_page(100_000, SENTENCE))
    assert page.body.startswith(SENTENCE)
    assert page.body.count("Council approves new budget for the harbour, number") == 100_000
    assert page.headlines == []
