"""Bad input never raises: extraction and splitting on random, empty, huge and deeply nested input."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction import decode_html, extract, split_text
from extraction.encoding import MOJIBAKE_RE
from tests.conftest import newsdesk

WORDS = re.compile(r"\w+")
TAGS = ["div", "p", "span", "article", "nav", "li", "ul", "h2", "a", "section", "footer", "table", "td"]
text_node = st.text(
    alphabet=st.characters(blacklist_characters="<>&", blacklist_categories=["Cs"]), max_size=80
)


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        cls = draw(st.sampled_from(["", " class='related'", " class='article-body'", " hidden", " id='nav'"]))
        parts.append(f"<{tag}{cls}>{draw(text_node)}")
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    return "<html><body>" + "".join(parts) + "</body></html>"


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(html_pages())
def test_extraction_never_raises_and_draws_its_body_from_the_page(html: str) -> None:
    page = extract(html, "https://example.com/a")
    # Every word comes from the page's text (inline markup joins words as a browser would); on a page
    # whose text looks like UTF-8 read in the wrong encoding, the words are ftfy's reading of each text.
    visible = re.sub(r"<[^>]*>", "", html)
    repaired = MOJIBAKE_RE.search(visible) is not None
    for word in WORDS.findall(page.body + " " + " ".join(h.text for h in page.headlines)):
        assert word in visible or repaired


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_splitting_never_raises_and_keeps_the_texts_own_lines(text: str) -> None:
    result = split_text(text)
    body_lines = result.body.splitlines()
    assert body_lines == text.splitlines()[: len(body_lines)]
    assert all(h.strip() and h.strip() in text for h in result.headlines)
    assert len(result.body) * 2 >= len(text.strip()) or result.body == text


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=3000))
def test_random_bytes_decode_and_extract(data: bytes) -> None:
    extract(decode_html(data))


def test_empty_huge_and_deeply_nested_pages() -> None:
    assert extract("").body == ""
    deep = (
        "<div>" * 20000
        + "<p>Deep inside twenty thousand elements, the text is still found here.</p>"
        + "</div>" * 20000
    )
    extract(deep)
    paragraph = (
        "<p>" + "A sentence that repeats to make a very large page of text for the extractor. " * 40 + "</p>"
    )
    big = "<html><body><article>" + paragraph * 3300 + "</article></body></html>"
    assert len(big) > 10_000_000
    assert extract(big).body.startswith("A sentence that repeats")


def test_out_of_range_numbers_ids_and_dates_get_a_clear_message(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'news.db'}"
    huge = "99999999999999999999"
    for args in [
        ("show", huge),
        ("show", "²"),
        ("show", "http://[::1"),
        ("query", "--limit", huge),
        ("query", "--offset", huge),
        ("export", "--limit", huge),
        ("runs", "--limit", huge),
        ("query", "--search", "-harbour"),
        ("query", "--search", "NOT harbour"),
    ]:
        result = newsdesk("--db", db, *args, cwd=tmp_path)
        assert result.returncode in (1, 2), args
        assert "Traceback" not in result.stderr, args
        assert result.stderr.strip(), args
    wide = newsdesk(
        "--db", db, "query", "--since", "0001-01-01T00:00+14:00", "--format", "json", cwd=tmp_path
    )
    assert wide.returncode == 0 and json.loads(wide.stdout) == [], wide.stderr


def test_a_search_of_thousands_of_terms_is_refused_at_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'news.db'}"
    result = newsdesk("--db", db, "query", "--search", "a* " * 4000, cwd=tmp_path, timeout=20)
    assert result.returncode == 2 and "at most 32 terms" in result.stderr


def test_crawls_refuse_an_in_memory_database_and_extract_a_url_that_is_not_one(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "city"\nfeeds = ["http://127.0.0.1:9/feed.xml"]\n')
    for db in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:news?mode=memory&uri=true"):
        for command in (["crawl", "city"], ["daemon"]):
            result = newsdesk("--db", db, "--sources", str(sources), *command, cwd=tmp_path, timeout=30)
            assert result.returncode == 2, (db, command)
            assert "in-memory database" in result.stderr
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>The council met on Tuesday.</p></body></html>")
    for url in ("not a url", "http://[::1", "ftp://example.com/a"):
        result = newsdesk("extract", str(page), "--url", url, cwd=tmp_path)
        assert result.returncode == 2 and "is not an http(s) URL" in result.stderr, url


def test_split_of_invalid_utf8_binary_or_lone_surrogates_never_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"The council met.\xff\xfe\x00 Then it voted.\n")
    (tmp_path / "binary.dat").write_bytes(bytes(range(256)) * 8)
    for name in ("bad.txt", "binary.dat"):
        result = newsdesk("split", name, cwd=tmp_path)
        assert result.returncode == 1 and "not UTF-8 text" in result.stderr, name
        assert "Traceback" not in result.stderr
    surrogate = newsdesk("split", "--jsonl", cwd=tmp_path, stdin='{"id": "a\\ud800", "text": "x\\ud800y"}\n')
    assert surrogate.returncode == 0, surrogate.stderr
    assert json.loads(surrogate.stdout) == {"id": "a\ufffd", "body": "x\ufffdy", "headlines": []}
