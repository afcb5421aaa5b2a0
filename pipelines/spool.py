"""Articles the database could not take (down, unreachable, locked for too long) wait in a JSON-lines
spool file, and are written by the next crawl that reaches the database: nothing fetched is lost.

The spool of a SQLite database sits next to it (`news.db` -> `news.db.spool.jsonl`); other databases
get one in NEWSDESK_SPOOL_DIR (default `~/.local/state/newsdesk`), named after the database URL.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from crawler.items import ArticleItem

# What a database that is down, unreachable or locked raises: the item is spooled, not dropped.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError)


def spool_path(db_url: str) -> Path:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(f"{Path(url.database).expanduser()}.spool.jsonl")
    folder = Path(os.environ.get("NEWSDESK_SPOOL_DIR") or Path.home() / ".local" / "state" / "newsdesk")
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return folder / f"spool-{url.get_backend_name()}-{key}.jsonl"


@contextmanager
def _locked(path: Path, mode: str) -> Iterator[IO[str]]:
    """The spool file opened with an exclusive lock (crawls of several sources share it)."""
    with open(path, mode, encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle


def keep(path: Path, item: ArticleItem) -> None:
    record: dict[str, Any] = dataclasses.asdict(item)
    record["published_at"] = item.published_at.isoformat() if item.published_at else None
    record["minhash"] = item.minhash.hex() if item.minhash is not None else None
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path, "a") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _item(line: str) -> ArticleItem:
    record = json.loads(line)
    record["published_at"] = (
        datetime.fromisoformat(record["published_at"]) if record["published_at"] else None
    )
    record["minhash"] = bytes.fromhex(record["minhash"]) if record["minhash"] else None
    record["headlines"] = [tuple(h) for h in record["headlines"]]
    return ArticleItem(**record)


def replay(path: Path, write: Callable[[ArticleItem], None]) -> int:
    """Write the spooled articles with `write`, oldest first; returns how many were written. Those not
    written (the database went away again) stay in the spool; if this process dies midway, the whole
    spool is replayed next time, and what was written already is then a duplicate."""
    if not path.exists():
        return 0
    with _locked(path, "r+") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
        done = 0
        try:
            for line in lines:
                write(_item(line))
                done += 1
        finally:
            handle.seek(0)
            handle.truncate()
            handle.write("".join(f"{line}\n" for line in lines[done:]))
            handle.flush()
            os.fsync(handle.fileno())
    return done
