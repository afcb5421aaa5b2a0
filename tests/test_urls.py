from __future__ import annotations

from storage.urls import canonicalize, choose_canonical


def test_tracking_parameters_fragments_ports_and_case_go() -> None:
    assert canonicalize("HTTPS://News.Example.COM:443/a/b.html?utm_source=x&id=7&fbclid=y#top") == (
        "https://news.example.com/a/b.html?id=7"
    )
    assert canonicalize("http://example.com:8080//x?gclid=1") == "http://example.com:8080/x"
    assert canonicalize("https://example.com") == "https://example.com/"


def test_a_kept_parameter_survives() -> None:
    assert canonicalize("https://e.com/p?ref=3", keep_params=frozenset({"ref"})) == "https://e.com/p?ref=3"


def test_canonical_link_is_used_only_on_the_same_site() -> None:
    fetched = "https://www.paper.example/story?utm_medium=rss"
    assert (
        choose_canonical(fetched, "https://paper.example/story-canonical")
        == "https://paper.example/story-canonical"
    )
    assert choose_canonical(fetched, "https://aggregator.example/copy") == "https://www.paper.example/story"
    assert choose_canonical(fetched, None) == "https://www.paper.example/story"
    assert choose_canonical(fetched, "https://www.paper.example/") == "https://www.paper.example/story"


def test_a_canonical_link_too_long_to_store_is_not_taken() -> None:
    fetched = "https://news.example/a/story.html"
    assert choose_canonical(fetched, "https://news.example/story?id=" + "9" * 3000) == fetched
    # Measured as it is stored: tracking parameters it sheds do not count.
    declared = "https://news.example/story?utm_source=" + "x" * 2100
    assert choose_canonical(fetched, declared) == "https://news.example/story"
