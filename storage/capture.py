"""Where the pages a crawl fetched are kept as received: gzip-compressed WARC files (ISO 28500) under a
capture folder, one folder per source and per day (`<folder>/<source>/<YYYY-MM-DD>/`). The folder is
NEWSDESK_CAPTURE when set, else beside a SQLite database (`news.db` -> `news-capture/`), else
`~/.local/state/newsdesk/capture-<key>` for another database (named after its URL, as the spool is).
An article records the file (relative to the folder) and the offset of its response record."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import make_url


def capture_folder(db_url: str) -> Path:
    chosen = os.environ.get("NEWSDESK_CAPTURE")
    if chosen:
        return Path(chosen).expanduser()
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database).expanduser()
        return database.with_name(f"{database.stem}-capture")
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path.home() / ".local" / "state" / "newsdesk" / f"capture-{url.get_backend_name()}-{key}"


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
