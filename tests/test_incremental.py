"""One story, stored once, with its history, fetched only when there is something new: the real
`newsdesk crawl` against fixture sites served from a local server that logs every request."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import Server, newsdesk

WORDS = (
    "council harbour budget ferry school river bridge market storm rail station museum library housing "
    "teachers nurses farmers festival election mayor street airport union strike factory energy water "
    "winter summer report police court park road tax plan vote minister hospital price bus"
).split()


def story(seed: int, sentences: int = 8) -> list[str]:
    """Paragraphs of text of its own (another seed, another story)."""
    rng = random.Random(seed)
    text = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(sentences)]
    return [" ".join(text[i : i + 2]) for i in range(0, sentences, 2)]


def page(title: str, paragraphs: list[str], canonical: str | None = None, chrome: str = "Paper") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{link}</head><body>"
        f"<nav><a href='/'>The {chrome}</a> <a href='/news/'>News</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>The {chrome} newsroom</footer></body></html>"
    )


def rss(paths: list[str]) -> str:
    items = "".join(f"<item><title>{p}</title><link>{{{{BASE}}}}{p}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def site(folder: Path, files: dict[str, str], routes: dict[str, dict] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    if routes:
        (folder / "_routes.json").write_text(json.dumps(routes))
    return folder


def crawl(tmp_path: Path, db: str, *names: str) -> list[dict]:
    result = newsdesk("--db", db, "crawl", *names, "--format", "json", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def query(tmp_path: Path, db: str, *args: str) -> list[dict]:
    result = newsdesk("--db", db, "query", "--format", "json", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def article_hits(server: Server) -> list[str]:
    return [line for line in server.requests() if line.split()[1].endswith(".html") or "?" in line]


def test_one_article_under_several_urls_is_stored_once_and_not_fetched_again(
    tmp_path: Path, sqlite_url: str
) -> None:
    text = story(1)
    feed = ["/story.html?utm_source=rss&fbclid=x", "/amp/story.html", "/go/story"]
    folder = site(
        tmp_path / "paper",
        {
            "feed.xml": rss(feed),
            "story.html": page("Pier reopens", text, canonical="{{BASE}}/story.html"),
            "amp/story.html": page("Pier reopens", text, canonical="{{BASE}}/story.html", chrome="AMP"),
        },
        routes={"/go/story": {"redirect": "/story.html?utm_medium=redirect"}},
    )
    server = Server(folder, log=tmp_path / "requests.log")
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        (first,) = crawl(tmp_path, sqlite_url, "paper")
        (article,) = query(tmp_path, sqlite_url)
        # The feed gains a story: it is read again, and only the new story is fetched.
        (folder / "next.html").write_text(page("Ferry strike ends", story(9)))
        (folder / "feed.xml").write_text(rss([*feed, "/next.html"]))
        fetched_before = len(article_hits(server))
        (second,) = crawl(tmp_path, sqlite_url, "paper")
        fetched_again = [line.split()[1] for line in article_hits(server)[fetched_before:]]
    finally:
        server.stop()
    assert first["stored"] == 1 and first["duplicates"] >= 1 and first["errors"] == 0
    assert article["url"] == f"{server.base_url}/story.html"
    # Every address of the story (tracking link, AMP copy, redirecting short link) is known now.
    assert second["stored"] == 1 and second["skipped"] == 3, second
    assert fetched_again == ["/next.html"]


def test_a_syndicated_copy_on_another_source_points_to_the_original(tmp_path: Path, sqlite_url: str) -> None:
    text = story(2)
    # The wire's copy: other page template, a sentence trimmed from the end and a credit line added.
    copy = [*text[:-1], text[-1].rsplit(".", 2)[0] + ".", "Reporting by the Wire desk."]
    paper = site(
        tmp_path / "paper",
        {
            "feed.xml": rss(["/ferry.html", "/other.html"]),
            "ferry.html": page("Ferry", text),
            "other.html": page("Other", story(3)),
        },
    )
    wire = site(
        tmp_path / "wire",
        {"feed.xml": rss(["/wire/ferry.html"]), "wire/ferry.html": page("Ferry (Wire)", copy, chrome="Wire")},
    )
    servers = [Server(paper), Server(wire)]
    try:
        (tmp_path / "sources.toml").write_text(
            "".join(
                f'[[source]]\nname = "{name}"\nfeeds = ["{s.base_url}/feed.xml"]\n'
                for name, s in zip(("paper", "wire"), servers, strict=True)
            )
        )
        crawl(tmp_path, sqlite_url, "paper")
        (wire_run,) = crawl(tmp_path, sqlite_url, "wire")
    finally:
        for s in servers:
            s.stop()
    assert wire_run["stored"] == 1  # kept, marked as a copy
    shown = query(tmp_path, sqlite_url)
    assert sorted(a["title"] for a in shown) == ["Ferry", "Other"]
    everything = query(tmp_path, sqlite_url, "--with-duplicates")
    original = next(a for a in everything if a["title"] == "Ferry")
    syndicated = next(a for a in everything if a["source"] == "wire")
    assert syndicated["duplicate_of"] == original["id"] and original["duplicate_of"] is None
    assert next(a for a in everything if a["title"] == "Other")["duplicate_of"] is None


def test_a_refreshed_article_gets_a_version_when_its_text_changed_and_nothing_when_not(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = site(
        tmp_path / "paper",
        {
            "feed.xml": rss(["/edited.html", "/same.html"]),
            "edited.html": page("Budget vote", story(4)),
            "same.html": page("Museum hours", story(5)),
        },
    )
    server = Server(folder)
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\nrefresh_after = "0s"\n'
        )
        (first,) = crawl(tmp_path, sqlite_url, "paper")
        (folder / "edited.html").write_text(
            page("Budget vote passes", [*story(4), "Update: the vote passed."])
        )
        (second,) = crawl(tmp_path, sqlite_url, "paper")
    finally:
        server.stop()
    assert first["stored"] == 2
    assert (
        second["stored"] == 0
        and second["updated"] == 1
        and second["duplicates"] == 1
        and second["skipped"] == 0
    )
    by_title = {a["title"]: a for a in query(tmp_path, sqlite_url)}
    assert by_title["Budget vote passes"]["version"] == 2 and by_title["Museum hours"]["version"] == 1
    shown = newsdesk(
        "--db",
        sqlite_url,
        "show",
        str(by_title["Budget vote passes"]["id"]),
        "--format",
        "json",
        cwd=tmp_path,
    )
    (record,) = json.loads(shown.stdout)
    assert [v["version"] for v in record["versions"]] == [1]
    assert record["versions"][0]["title"] == "Budget vote" and "Update:" not in record["versions"][0]["body"]
    assert record["body"].endswith("Update: the vote passed.")
    article_id = str(record["id"])
    diff = newsdesk("--db", sqlite_url, "show", article_id, "--diff", cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    lines = diff.stdout.splitlines()
    assert lines[0] == f"article {article_id}: version 1 -> 2 (title change)"
    assert lines[1] == "title: Budget vote {+passes+}"
    assert lines[-1] == "{+Update: the vote passed.+}" and "[-" not in diff.stdout
    wrong = newsdesk("--db", sqlite_url, "show", article_id, "--diff", "--from", "3", cwd=tmp_path)
    assert wrong.returncode == 1 and "has no version 3 (it has 1, 2)" in wrong.stderr
    single = newsdesk("--db", sqlite_url, "show", str(by_title["Museum hours"]["id"]), "--diff", cwd=tmp_path)
    assert single.returncode == 1 and "nothing to compare" in single.stderr
    edited = query(tmp_path, sqlite_url, "--edited-since", first["started_at"])
    assert [a["title"] for a in edited] == ["Budget vote passes"]
    assert query(tmp_path, sqlite_url, "--edited-since", "2999-01-01") == []


def news_sitemap(entries: list[tuple[str, datetime]]) -> str:
    urls = "".join(
        f"<url><loc>{{{{BASE}}}}{path}</loc><news:news><news:publication><news:name>Paper</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{when.isoformat()}</news:publication_date><news:title>{path}</news:title>"
        f"</news:news></url>"
        for path, when in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    )


def test_sitemap_entries_older_than_max_age_are_not_fetched(tmp_path: Path, sqlite_url: str) -> None:
    now = datetime.now(UTC)
    old_lastmod = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{{{{BASE}}}}/archive.html</loc><lastmod>{(now - timedelta(days=400)).date()}</lastmod></url>"
        f"<url><loc>{{{{BASE}}}}/undated.html</loc></url></urlset>"
    )
    folder = site(
        tmp_path / "paper",
        {
            "news.xml": news_sitemap(
                [("/fresh.html", now - timedelta(hours=3)), ("/stale.html", now - timedelta(days=30))]
            ),
            "more.xml": old_lastmod,
            **{
                f"{name}.html": page(name, story(10 + i))
                for i, name in enumerate(("fresh", "stale", "archive", "undated"))
            },
        },
    )
    server = Server(folder, log=tmp_path / "requests.log")
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nsitemaps = ["{server.base_url}/news.xml", "{server.base_url}/more.xml"]\n'
            'max_age = "2d"\n'
        )
        (run,) = crawl(tmp_path, sqlite_url, "paper")
        fetched = sorted(line.split()[1] for line in article_hits(server))
    finally:
        server.stop()
    assert fetched == ["/fresh.html", "/undated.html"]  # an undated entry cannot be too old
    assert run["stored"] == 2
    assert sorted(a["title"] for a in query(tmp_path, sqlite_url)) == ["fresh", "undated"]


def test_an_unchanged_feed_is_answered_304_and_a_changed_one_read_again(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = site(
        tmp_path / "paper",
        {
            "feed.xml": rss(["/one.html"]),
            "one.html": page("One", story(20)),
            "two.html": page("Two", story(21)),
        },
    )
    server = Server(folder, log=tmp_path / "requests.log")
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "paper"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        crawl(tmp_path, sqlite_url, "paper")
        (unchanged,) = crawl(tmp_path, sqlite_url, "paper")
        (folder / "feed.xml").write_text(rss(["/two.html", "/one.html"]))
        (changed,) = crawl(tmp_path, sqlite_url, "paper")
        feed_answers = [line.split()[0] for line in server.requests() if line.split()[1] == "/feed.xml"]
    finally:
        server.stop()
    assert feed_answers == ["200", "304", "200"]
    assert unchanged["status"] == "ok" and unchanged["stored"] == 0 and unchanged["skipped"] == 0
    assert changed["stored"] == 1 and changed["skipped"] == 1
    assert sorted(a["title"] for a in query(tmp_path, sqlite_url)) == ["One", "Two"]
