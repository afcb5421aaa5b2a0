"""Where the pages a crawl fetched are kept as received: gzip-compressed WARC files (ISO 28500) under a
capture folder, one folder per source and per day (`<folder>/<source>/<YYYY-MM-DD>/`). The folder is
NEWSDESK_CAPTURE when set, else beside a SQLite database (`news.db` -> `news-capture/`), else
`~/.local/state/newsdesk/capture-<key>` for another database (named after its URL, as the spool is).
An article records the file (relative to the folder) and the offset of its response record."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

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


@dataclass
class HttpResponse:
    """An HTTP response as a WARC file keeps it."""

    url: str
    status: str
    content_type: str
    body: bytes  # decompressed, at most the limit it was read with...
    too_large: bool  # ...and whether there was more


def http_response(record: ArcWarcRecord, limit: int) -> HttpResponse | None:
    """The response a WARC record holds (None for any other record)."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    body = record.content_stream().read(limit + 1)
    return HttpResponse(
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        status=record.http_headers.get_statuscode() or "",
        content_type=record.http_headers.get_header("Content-Type") or "",
        body=body[:limit],
        too_large=len(body) > limit,
    )


def read_response(root: Path, file: str, offset: int, limit: int) -> HttpResponse:
    """The response record at `offset` in `file` (relative to the capture folder `root`)."""
    path = (root / file).resolve()
    if root.resolve() not in path.parents:  # the database names a file outside the folder: not ours
        raise CaptureMissing(f"{file} is not in the capture folder {root}")
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)), None)
            response = http_response(record, limit) if record is not None else None
            if response is None:
                raise CaptureMissing(f"no response record at {file}:{offset}")
            return response
    except (OSError, ArchiveLoadFailed) as e:
        raise CaptureMissing(f"{file}:{offset}: {e}") from None
