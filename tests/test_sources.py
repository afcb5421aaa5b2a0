from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import SourcesError, find_source, load_sources, parse_duration, parse_schedule
from tests.conftest import newsdesk

GOOD = """
[defaults]
schedule = "every 15m"
max_pages = 50

[[source]]
name = "wire"
feeds = ["https://wire.example/rss.xml"]
allow = ['^https://wire\\.example/\\d{4}/']

[[source]]
name = "paper"
sitemaps = ["https://paper.example/news-sitemap.xml"]
schedule = "5 * * * *"
obey_robots = false
follow_depth = 0
"""

BAD = """
[defaults]
schedule = "sometimes"

[[source]]
name = "one"
feeds = ["https://one.example/rss"]
allow = ['(unclosed']
colour = "blue"

[[source]]
name = "one"
start_urls = ["ftp://one.example/"]

[[source]]
name = "Bad Name"
"""


def test_a_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(GOOD)
    sources = load_sources(path)
    wire, paper = sources
    assert wire.max_pages == 50 and wire.schedule.every == 900 and wire.obey_robots
    assert paper.schedule.cron == "5 * * * *" and not paper.obey_robots and paper.follow_depth == 0
    assert wire.domains == ["wire.example"]
    assert find_source(sources, "paper") is paper


def test_every_problem_is_reported_with_source_and_key(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(BAD)
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    text = "\n".join(err.value.problems)
    assert "[defaults]: 'schedule'" in text
    assert "source 'one': 'allow' has a bad regex" in text
    assert "source 'one': unknown key 'colour'" in text
    assert "source 'one': duplicate name" in text
    assert "'start_urls' has 'ftp://one.example/'" in text
    assert "source 'Bad Name': 'name' is required and must be 1 to 100 of" in text
    assert "needs at least one of 'feeds', 'sitemaps', 'start_urls'" in text


def test_unknown_source_names_the_configured_ones(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(GOOD)
    with pytest.raises(SourcesError, match="unknown source 'nope' .*wire, paper"):
        find_source(load_sources(path), "nope")


@pytest.mark.parametrize("text, seconds", [("every 90s", 90), ("every 15m", 900), ("every 2h", 7200)])
def test_interval_schedules(text: str, seconds: int) -> None:
    assert parse_schedule(text).every == seconds


@pytest.mark.parametrize("text", ["every 0s", "every 5 days", "* * *", "61 * * * *", "daily"])
def test_bad_schedules(text: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(text)


def test_durations() -> None:
    assert parse_duration("30m") == 1800
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="no such file"):
        load_sources(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[source]\nname = ")
    with pytest.raises(SourcesError, match="not valid TOML"):
        load_sources(broken)


def test_sources_check_command(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "bad.toml").write_text(BAD)
    ok = newsdesk("--sources", "good.toml", "sources", "--check", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "2 sources" in ok.stdout
    bad = newsdesk("--sources", "bad.toml", "sources", "--check", cwd=tmp_path)
    assert bad.returncode == 1
    errors = [line for line in bad.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) >= 6, bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_shipped_sources_file_is_valid() -> None:
    sources = load_sources(Path(__file__).parent.parent / "sources.toml")
    assert 6 <= len(sources) <= 10


def test_incremental_keys_and_the_sites_a_source_may_fetch_from(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[defaults]\nrefresh_after = "2d"\n\n'
        '[[source]]\nname = "news"\nfeeds = ["https://feeds.news.example.co.uk/rss.xml"]\n'
        'domains = ["News-Images.example.net"]\nkeep_params = ["id"]\nmax_age = "1w"\n\n'
        '[[source]]\nname = "quiet"\nsitemaps = ["https://quiet.example/map.xml"]\nrefresh_after = "never"\n'
    )
    news, quiet = load_sources(path)
    # The feed's host widens to its site, so articles on www.example.co.uk are in.
    assert news.domains == ["example.co.uk", "news-images.example.net"]
    assert news.refresh_after == 2 * 86400 and news.max_age == 7 * 86400 and news.keep_params == ["id"]
    assert quiet.refresh_after is None and quiet.max_age is None
    path.write_text(
        '[[source]]\nname = "bad"\nfeeds = ["https://bad.example/rss"]\n'
        'domains = ["https://bad.example/"]\nrefresh_after = "soon"\nmax_age = "5s"\n'
    )
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    problems = "\n".join(caught.value.problems)
    assert "source 'bad': 'domains' has 'https://bad.example/', which is not a host name" in problems
    assert "source 'bad': 'refresh_after' 'soon' is not a duration" in problems
    assert "source 'bad': 'max_age' '5s' is not a duration" in problems and "at least 60s" in problems


LONG_NAME = "n" * 101


def test_check_reports_what_would_never_work(tmp_path: Path) -> None:
    (tmp_path / "odd.toml").write_text(
        "[[source]]\n"
        'name = "never"\nfeeds = ["https://example.com/feed.xml"]\nschedule = "* * 31 2 *"\n'
        "[[source]]\n"
        'name = "port"\nfeeds = ["https://example.com:99999/feed.xml"]\n'
        "[[source]]\n"
        'name = "forever"\nfeeds = ["https://example.com/feed.xml"]\njitter = "99999999999w"\n'
        'schedule = "every 1000000w"\n'
        "[[source]]\n"
        'name = "slow"\nstart_urls = ["https://example.com/"]\nallow = ["(x+x+)+y"]\n'
        "[[source]]\n"
        f'name = "{LONG_NAME}"\nfeeds = ["https://example.com/feed.xml"]\n'  # over what a store keeps
    )
    result = newsdesk("--sources", "odd.toml", "sources", "--check", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    report = result.stdout + result.stderr
    assert "never fires" in report
    assert "99999" in report and "not a URL" in report
    assert "'jitter'" in report and "'schedule'" in report and "at most 3650d" in report
    assert "(x+x+)+y" in report and "exponential time" in report
    assert "1 to 100 of [a-z0-9_-]" in report


def test_render_keys(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(
        "[[source]]\n"
        'name = "app"\nfeeds = ["https://app.example/feed.xml"]\nrender = true\nrender_wait = "2s"\n'
        "[[source]]\n"
        'name = "auto"\nfeeds = ["https://auto.example/feed.xml"]\nrender = "auto"\nrender_wait = "#story p"\n'
    )
    app, auto = load_sources(tmp_path / "s.toml")
    assert (app.render, app.render_wait) == ("on", 2)
    assert (auto.render, auto.render_wait) == ("auto", "#story p")
    (tmp_path / "bad.toml").write_text(
        '[[source]]\nname = "x"\nfeeds = ["https://x.example/feed.xml"]\nrender = "yes"\nrender_wait = "5m"\n'
    )
    with pytest.raises(SourcesError) as e:
        load_sources(tmp_path / "bad.toml")
    assert "source 'x': 'render' must be true, false or \"auto\"" in str(e.value)
    assert "source 'x': 'render_wait' may wait at most 60s" in str(e.value)
