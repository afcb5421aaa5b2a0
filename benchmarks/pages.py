"""Pages written to be slow to extract: deep nesting (closed and unclosed), a very large page, a crowded
head, paragraphs in a cycle, a text ending in 100,000 list lines. The tests check what is extracted from them; `python -m benchmarks.extraction`
times them."""

from __future__ import annotations

FILLER = "Residents asked about parking, schools and the new library, and the mayor answered each of them."


def deep_page(shape: str, depth: int, sentence: str) -> str:
    """`depth` nested elements of one shape with `sentence` at the bottom: "div" (closed), or unclosed
    "li" (lists in list items), "td" (tables in cells) or "p" (paragraphs in divs)."""
    openers = {
        "div": "<div>",
        "li": "<ul><li>item ",
        "td": "<table><tr><td>cell ",
        "p": "<div><p>text ",
    }
    closers = "</div>" * depth if shape == "div" else ""
    return (
        f"<!doctype html><html><head><title>Deep {shape}</title></head><body>"
        f"{openers[shape] * depth}<p>{sentence}</p>{closers}</body></html>"
    )


def large_page(size: int, sentence: str) -> str:
    """A page of at least `size` characters: article paragraphs, each in its own block with a link."""
    head = "<!doctype html><html><head><title>Large page</title></head><body><article>"
    block = f"<div class='para'><p>{sentence} {FILLER}</p><a href='/more'>More on this story</a></div>\n"
    count = (size - len(head)) // len(block) + 1
    return head + block * count + "</article></body></html>"


def crowded_head(count: int, sentence: str) -> str:
    """A page whose head holds `count` <meta> and `count` <link> elements, and a title of a megabyte."""
    head = "<meta name='author' content='x'><link rel='alternate' href='/x'>" * count
    title = "Title " * 200_000
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body><article><p>{sentence} {FILLER}</p><p>{sentence}</p></article></body></html>"
    )


def cycling_page(count: int, sentence: str) -> str:
    """`count` paragraphs repeating three in turn: what the search for a second copy of the article
    compares most (each paragraph seen before, the runs never long enough to be a copy)."""
    cycle = [f"{sentence} ({n})" for n in ("one", "two", "three")]
    paragraphs = "".join(f"<p>{cycle[i % 3]}</p>" for i in range(count))
    return f"<!doctype html><html><head><title>Cycling</title></head><body><article>{paragraphs}</article></body></html>"


def listed_page(count: int, sentence: str) -> str:
    """An article followed by a widget's title and `count` headline-like lines in one <pre>: what the
    splitter reads upwards from the text's end, line by line, and the link-list pass reads as one block."""
    lines = "\n".join(f"Council approves new budget for the harbour, number {n}" for n in range(count))
    return (
        "<!doctype html><html><head><title>Listed</title></head><body><article>"
        f"<p>{sentence} {FILLER}</p><p>Related</p><pre>{lines}</pre></article></body></html>"
    )


PATHOLOGICAL = {
    "20,000 nested <div>": lambda s: deep_page("div", 20_000, s),
    "20,000 unclosed <li> in lists": lambda s: deep_page("li", 20_000, s),
    "20,000 unclosed <td> in tables": lambda s: deep_page("td", 20_000, s),
    "20,000 unclosed <p> in <div>": lambda s: deep_page("p", 20_000, s),
    "5 MiB page": lambda s: large_page(5 * 2**20, s),
    "50,000 <meta> and <link>, a 1 MiB title": lambda s: crowded_head(50_000, s),
    "6,000 paragraphs, three in a cycle": lambda s: cycling_page(6_000, s),
    "100,000 headline-like lines after 'Related'": lambda s: listed_page(100_000, s),
}
