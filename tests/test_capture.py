"""Raw capture: the article pages a crawl fetches are kept as received in WARC files that standard tools
read (warcio's own `check` and `index`), each article says where its page is, a source can turn it off,
and old files go after `keep_capture`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from warcio.archiveiterator import ArchiveIterator

from storage.capture import prune
from tests.conftest import Server, newsdesk
from tests.test_incremental import crawl, page, rss, site, story

WARCIO = str(Path(sys.executable).parent / "warcio")
PATHS = ["/one.html", "/two.html", "/three.html"]


def paper(tmp_path: Path) -> Path:
    return site(
        tmp_path / "paper",
        {
            "feed.xml": rss(PATHS),
            **{p.lstrip("/"): page(f"Story {p}", story(i)) for i, p in enumerate(PATHS)},
        },
    )


def sources(tmp_path: Path, base: str, extra: str = "") -> None:
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "paper"\nfeeds = ["{base}/feed.xml"]\n{extra}'
    )


def test_fetched_pages_are_kept_in_warc_files_that_standard_tools_read(tmp_path: Path) -> None:
    folder = paper(tmp_path)
    server = Server(folder)
    db = f"sqlite:///{tmp_path / 'news.db'}"
    try:
        sources(tmp_path, server.base_url)
        (run,) = crawl(tmp_path, db, "paper")
    finally:
        server.stop()
    assert run["stored"] == 3
    capture = tmp_path / "news-capture"
    files = sorted(capture.glob("paper/*/*.warc.gz"))
    assert len(files) == 1 and files[0].parent.name == datetime.now(UTC).date().isoformat()
    checked = subprocess.run([WARCIO, "check", "-v", str(files[0])], capture_output=True, text=True)
    assert checked.returncode == 0 and "digest pass" in checked.stdout, checked.stdout + checked.stderr
    index = subprocess.run([WARCIO, "index", str(files[0])], capture_output=True, text=True, check=True)
    kinds = [json.loads(line)["warc-type"] for line in index.stdout.splitlines()]
    assert kinds == ["response", "request"] * 3

    listed = json.loads(newsdesk("--db", db, "query", "--format", "json", cwd=tmp_path).stdout)
    for article in listed:
        shown = json.loads(
            newsdesk("--db", db, "show", str(article["id"]), "--format", "json", cwd=tmp_path).stdout
        )
        where = shown[0]["capture"]
        with open(capture / where["file"], "rb") as handle:
            handle.seek(where["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert (
                record.rec_type == "response"
                and record.rec_headers.get_header("WARC-Target-URI") == article["url"]
            )
            assert record.http_headers.get_statuscode() == "200"
            served = (folder / article["url"].rsplit("/", 1)[1]).read_bytes()
            assert record.content_stream().read() == served


def test_a_source_can_turn_capture_off_and_old_files_are_removed(tmp_path: Path) -> None:
    server = Server(paper(tmp_path))
    db = f"sqlite:///{tmp_path / 'news.db'}"
    try:
        sources(tmp_path, server.base_url, "capture = false\n")
        (run,) = crawl(tmp_path, db, "paper")
    finally:
        server.stop()
    assert run["stored"] == 3 and not (tmp_path / "news-capture").exists()

    root = tmp_path / "capture"
    for day in ("2026-01-01", "2026-11-01", "2026-11-29"):
        (root / "paper" / day).mkdir(parents=True)
        (root / "paper" / day / "x.warc.gz").write_bytes(b"")
    assert prune(root, "paper", keep_days=7, today=date(2026, 11, 30)) == 2
    assert [d.name for d in (root / "paper").iterdir()] == ["2026-11-29"]


def test_keep_capture_is_checked(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "paper"\nfeeds = ["https://paper.example/rss"]\nkeep_capture = "soon"\ncapture = "yes"\n'
    )
    checked = newsdesk("sources", "--check", cwd=tmp_path)
    assert checked.returncode != 0
    out = checked.stdout + checked.stderr
    assert "'keep_capture' 'soon' is not a duration" in out and "'capture' must be true or false" in out


def test_reextract_gives_changed_articles_a_version_and_leaves_the_rest(tmp_path: Path, db_url: str) -> None:
    server = Server(paper(tmp_path))
    try:
        sources(tmp_path, server.base_url)
        (run,) = crawl(tmp_path, db_url, "paper")
    finally:
        server.stop()
    assert run["stored"] == 3
    listed = {
        a["url"].rsplit("/", 1)[1]: a
        for a in json.loads(newsdesk("--db", db_url, "query", "--format", "json", cwd=tmp_path).stdout)
    }
    older, same, lost = listed["one.html"], listed["two.html"], listed["three.html"]
    # What an older extractor left: a body cut short, or the same text; and a capture that went away.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET extractor = 'old'"))
        conn.execute(text("UPDATE articles SET body = 'Cut short.' WHERE id = :id"), {"id": older["id"]})
        conn.execute(
            text("UPDATE articles SET capture_file = 'paper/gone.warc.gz' WHERE id = :id"), {"id": lost["id"]}
        )
    engine.dispose()

    dry = newsdesk("--db", db_url, "reextract", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "3 articles would be re-extracted" in dry.stdout
    assert (
        "1 changed (a new version each, marked re-extracted), 1 unchanged, 1 without a readable capture"
        in dry.stdout
    )
    assert show(tmp_path, db_url, older["id"])["version"] == 1

    done = newsdesk("--db", db_url, "reextract", "--source", "paper", cwd=tmp_path)
    assert done.returncode == 0 and "1 changed" in done.stdout, done.stdout + done.stderr
    record = show(tmp_path, db_url, older["id"])
    assert record["version"] == 2 and record["origin"] == "reextracted" and record["body"] == older["body"]
    assert record["versions"][0]["body"] == "Cut short." and record["versions"][0]["extractor"] == "old"
    untouched = show(tmp_path, db_url, same["id"])
    assert untouched["version"] == 1 and untouched["extractor"] != "old"
    diff = newsdesk("--db", db_url, "show", str(older["id"]), "--diff", cwd=tmp_path)
    assert "(re-extraction change)" in diff.stdout.splitlines()[0]

    again = newsdesk("--db", db_url, "reextract", cwd=tmp_path)  # what is done is not done again
    assert "1 articles were re-extracted" in again.stdout and "1 without a readable capture" in again.stdout


def show(tmp_path: Path, db_url: str, article_id: int) -> dict:
    result = newsdesk("--db", db_url, "show", str(article_id), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout)[0])


def warc_file(path: Path) -> None:
    """A WARC file such as another crawler writes: two articles (one sent gzip-compressed), an image and
    a missing page."""
    import gzip
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, status, ctype, body, extra in [
            (
                "https://elsewhere.example/a.html",
                "200 OK",
                "text/html; charset=utf-8",
                page("Ferry returns", story(41)).encode(),
                [],
            ),
            (
                "https://elsewhere.example/b.html",
                "200 OK",
                "text/html",
                gzip.compress(page("Bridge reopens", story(42)).encode()),
                [("Content-Encoding", "gzip")],
            ),
            ("https://elsewhere.example/logo.png", "200 OK", "image/png", b"\x89PNG....", []),
            (
                "https://elsewhere.example/gone.html",
                "404 Not Found",
                "text/html",
                b"<html>not here</html>",
                [],
            ),
        ]:
            headers = StatusAndHeaders(status, [("Content-Type", ctype), *extra], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            )


def test_articles_are_imported_from_warc_files_made_elsewhere(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'news.db'}"
    warc = tmp_path / "elsewhere.warc.gz"
    warc_file(warc)
    first = newsdesk("--db", db, "import-warc", "--source", "elsewhere", str(warc), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "stored 2, not an HTML page 2"
    again = newsdesk("--db", db, "import-warc", "--source", "elsewhere", str(warc), cwd=tmp_path)
    assert "duplicates 2" in again.stdout and "stored" not in again.stdout
    listed = json.loads(newsdesk("--db", db, "query", "--format", "json", cwd=tmp_path).stdout)
    assert sorted(a["title"] for a in listed) == ["Bridge reopens", "Ferry returns"]
    assert all(a["source"] == "elsewhere" and a["body"] for a in listed)
    # The file is kept in the capture folder, where re-extraction reads it.
    record = show(tmp_path, db, listed[0]["id"])
    assert (tmp_path / "news-capture" / record["capture"]["file"]).exists()
    engine = create_engine(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET extractor = 'old'"))
    engine.dispose()
    redone = newsdesk("--db", db, "reextract", cwd=tmp_path)
    assert "2 articles were re-extracted" in redone.stdout
    assert "0 changed" in redone.stdout and "2 unchanged, 0 without a readable capture" in redone.stdout

    (tmp_path / "notes.txt").write_text("not a WARC file")
    bad = newsdesk(
        "--db", db, "import-warc", "--source", "elsewhere", str(tmp_path / "notes.txt"), cwd=tmp_path
    )
    assert bad.returncode == 1 and "not a readable WARC file" in bad.stderr and "Traceback" not in bad.stderr


def test_import_and_reextract_give_up_a_page_past_the_time_limit_and_go_on(tmp_path: Path) -> None:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from benchmarks.pages import listed_page

    db = f"sqlite:///{tmp_path / 'news.db'}"
    warc = tmp_path / "slow.warc.gz"
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, body in [
            ("https://elsewhere.example/a.html", page("Ferry returns", story(41))),
            # An article and 150,000 headline-like lines: a third of a second or more to extract.
            ("https://elsewhere.example/slow.html", listed_page(150_000, "The harbour wall was repaired.")),
        ]:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=io.BytesIO(body.encode()), http_headers=headers
                )
            )
    limited = newsdesk(
        "--db", db, "import-warc", "--source", "elsewhere", str(warc), "--time-limit", "0.05", cwd=tmp_path
    )
    assert limited.returncode == 0, limited.stderr
    assert limited.stdout.strip() == "stored 1, past the time limit of a page 1"
    # Within the default limit the page is stored; re-extracted under a short one, it is kept as it was.
    stored = newsdesk("--db", db, "import-warc", "--source", "elsewhere", str(warc), cwd=tmp_path)
    assert "stored 1" in stored.stdout, stored.stdout
    engine = create_engine(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET extractor = 'old'"))
    engine.dispose()
    redone = newsdesk("--db", db, "reextract", cwd=tmp_path, env={"NEWSDESK_EXTRACT_TIME_LIMIT": "0.05"})
    assert redone.returncode == 0, redone.stderr
    assert (
        "1 unchanged" in redone.stdout
        and "1 past the time limit of a page (kept as they were)" in redone.stdout
    )
