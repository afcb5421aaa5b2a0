"""Commands over saved pages and text, without a database: `extract` and `split`."""

from __future__ import annotations

import gzip
import json
import re
import sys
import zlib
from collections.abc import Iterator
from datetime import UTC, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

import click

import extraction
from cli.output import RecordWriter, format_option, time_limit_option
from extraction import PageTooLarge, PageTooSlow, read_page, split_text, time_limit

if TYPE_CHECKING:
    from extraction import Extracted

SURROGATE_RE = re.compile("[\ud800-\udfff]")
EXTRACT_TABLE = ("id", "title", "published", "body", "headlines")


def _html_files(paths: tuple[str, ...]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # Files only: a FIFO or a folder named like a page would block or fail the whole run.
            yield from sorted(
                p for p in path.iterdir() if p.name.endswith((".html", ".htm", ".html.gz")) and p.is_file()
            )
        elif path.is_file():
            yield path
        else:
            raise click.ClickException(f"{raw}: no such file or folder")


def extract_record(path: Path, page: Extracted, url: str | None) -> dict[str, Any]:
    name = path.name
    for suffix in (".gz", ".html", ".htm"):
        name = name.removesuffix(suffix)
    return {
        "id": name,
        "path": str(path),
        "url": url or page.canonical_url,
        "title": page.title,
        "authors": page.authors,
        "published": _published(page),
        "language": page.language,
        "body": page.body,
        "headlines": [h.text for h in page.headlines],
    }


@click.command("extract")
@click.argument("paths", nargs=-1, required=True)
@click.option("--url", help="The page's URL (resolves relative links; with one file).")
@time_limit_option
@format_option
def extract_command(paths: tuple[str, ...], url: str | None, seconds: float, fmt: str | None) -> None:
    """Extract saved pages (.html, .html.gz, or folders of them) without crawling.

    Example: newsdesk extract saved/ --format jsonl > articles.jsonl
    """
    if url is not None and not web_address(url):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="--url")
    files = list(_html_files(paths))
    if url and len(files) > 1:
        raise click.UsageError("--url applies to a single file")
    writer = RecordWriter(fmt, EXTRACT_TABLE)
    extract = extraction.extract  # loaded now, not within the first page's time
    skipped = 0
    for path in files:
        try:
            html = read_page(path)
        except PageTooLarge as e:
            problem = str(e)
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:
            problem = f"cannot read it: {e}"
        else:
            try:
                with time_limit(seconds):
                    page = extract(html, url)
                writer.write(extract_record(path, page, url))
                continue
            except PageTooSlow as e:
                problem = str(e)
            except Exception as e:  # an extractor bug on one page must not stop the others: it is reported
                problem = f"the extractor failed on it ({type(e).__name__}: {e}); please report this page"
        skipped += 1  # one bad file does not stop the others
        click.echo(f"Error: {path}: {problem} (skipped)", err=True)
    writer.close()
    if skipped:
        sys.exit(1)


@click.command()
@click.argument("file", default="-")
@click.option(
    "--jsonl",
    is_flag=True,
    help='Input lines of {"id", "text"}; output lines of {"id", "body", "headlines"}.',
)
def split(file: str, jsonl: bool) -> None:
    """Split plain text into its body and the trailing headline list.

    Example: newsdesk split article.txt
    """
    try:
        stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115  # closed below
    except OSError as e:
        raise click.ClickException(f"{file}: cannot read it: {e.strerror}") from None
    try:
        with stream:
            _split_stream(stream, file, jsonl)
    except UnicodeDecodeError as e:
        raise click.ClickException(f"{file}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def _split_stream(stream: TextIO, file: str, jsonl: bool) -> None:
    if not jsonl:
        result = split_text(stream.read())
        click.echo(json.dumps({"body": result.body, "headlines": result.headlines}, ensure_ascii=False))
        return
    writer = RecordWriter("jsonl")
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            text = case["text"]
        except (ValueError, KeyError, TypeError):
            raise click.ClickException(f'{file} line {number}: not a JSON object with "text"') from None
        # JSON can carry lone surrogates ("\ud800"), which are not text: they become U+FFFD.
        result = split_text(_no_surrogates(text) if isinstance(text, str) else "")
        case_id = case.get("id")
        writer.write(
            {
                "id": _no_surrogates(case_id) if isinstance(case_id, str) else case_id,
                "body": result.body,
                "headlines": result.headlines,
            }
        )
    writer.close()


def _no_surrogates(text: str) -> str:
    try:
        text.encode("utf-8")  # in C; the expression runs only when it fails
    except UnicodeEncodeError:
        return SURROGATE_RE.sub("\ufffd", text)
    return text


def _published(page: Extracted) -> str | None:
    """ISO 8601 in the page's own zone when it gives one ("2026-03-04T10:15:00+01:00"), else in UTC."""
    if page.published is None:
        return None
    if page.published_offset is None:
        return page.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    zone = timezone(page.published_offset)
    return page.published.replace(tzinfo=UTC).astimezone(zone).isoformat()


def web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises for a port that is no number or out of range
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[::1"
        return False
