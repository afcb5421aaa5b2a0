"""Where the pages a crawl fetched are kept as received: gzip-compressed WARC files (ISO 28500) under a
capture folder, one folder per source and per day (`<folder>/<source>/<YYYY-MM-DD>/`). The folder is
NEWSDESK_CAPTURE when set, else beside a SQLite database (`news.db` -> `news-capture/`), else
`~/.local/state/newsdesk/capture-<key>` for another database (named after its URL, as the spool is).
An article records the file (relative to the folder) and the offset of its response record."""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storage.db import sqlite_file, state_folder, state_name


def capture_folder(db_url: str) -> Path:
    chosen = os.environ.get("NEWSDESK_CAPTURE")
    if chosen:
        return Path(chosen).expanduser()
    database = sqlite_file(db_url)
    if database is not None:
        return database.with_name(f"{database.stem}-capture")
    return state_folder() / state_name(db_url, "capture")


def day_folder(root: Path, source: str, day: date) -> Path:
    return root / source / day.isoformat()


def prune(root: Path, source: str, keep_days: float, today: date) -> int:
    """Remove the source's day folders older than `keep_days`; how many WARC files went."""
    folder = root / source
    if not folder.is_dir():
        return 0
    oldest = today - timedelta(days=keep_days)
    removed = 0
    for day in folder.iterdir():
        try:
            when = date.fromisoformat(day.name)
        except ValueError:
            continue  # not a day folder of newsdesk's
        if day.is_dir() and when < oldest:
            removed += sum(1 for _ in day.glob("*.warc.gz"))
            shutil.rmtree(day, ignore_errors=True)
    return removed


class CaptureMissing(Exception):
    """The captured page of an article cannot be read (file gone, moved, or not a WARC response there)."""


def read_response(root: Path, file: str, offset: int, limit: int) -> tuple[str, bytes, str]:
    """The URL, body (decompressed, at most `limit` bytes) and Content-Type of the response record at
    `offset` in `file` (relative to the capture folder `root`)."""
    path = (root / file).resolve()
    if root.resolve() not in path.parents:  # the database names a file outside the folder: not ours
        raise CaptureMissing(f"{file} is not in the capture folder {root}")
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)), None)
            if record is None or record.rec_type != "response" or record.http_headers is None:
                raise CaptureMissing(f"no response record at {file}:{offset}")
            body = record.content_stream().read(limit)
            return (
                record.rec_headers.get_header("WARC-Target-URI") or "",
                body,
                record.http_headers.get_header("Content-Type") or "",
            )
    except (OSError, ArchiveLoadFailed) as e:
        raise CaptureMissing(f"{file}:{offset}: {e}") from None
