"""Articles the database could not take (down, unreachable, locked for too long) wait in a JSON-lines
spool file, and are written by the next crawl that reaches the database: nothing fetched is lost.

The spool of a SQLite database sits next to it (`news.db` -> `news.db.spool.jsonl`); other databases
get one in NEWSDESK_SPOOL_DIR (default `~/.local/state/newsdesk`), named after the database URL.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from storage.db import sqlite_file, state_folder, state_name


def spool_path(db_url: str) -> Path:
    database = sqlite_file(db_url)
    if database is not None:
        return Path(f"{database}.spool.jsonl")
    folder = Path(os.environ.get("NEWSDESK_SPOOL_DIR") or state_folder())
    return folder / f"{state_name(db_url, 'spool')}.jsonl"


@contextmanager
def _locked(path: Path, mode: str) -> Iterator[IO[str]]:
    """The spool file opened with an exclusive lock (crawls of several sources share it)."""
    with open(path, mode, encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle


def keep(path: Path, record: dict[str, Any]) -> None:
    """Append one article (a JSON-ready mapping) to the spool, on disk before this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path, "a") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def rejected_path(path: Path) -> Path:
    """Where the spooled articles the database refused are kept (`….spool.jsonl` -> `….spool.rejected.jsonl`)."""
    return path.with_name(path.name.removesuffix(".jsonl") + ".rejected.jsonl")


def reject(path: Path, record: dict[str, Any], reason: str) -> Path:
    """Keep a spooled article the database refuses (not for being unavailable: for what it holds) beside
    the spool, with the reason, so that it no longer stops the spool's replay; returns that file."""
    rejected = rejected_path(path)
    keep(rejected, {**record, "rejected": reason})
    return rejected


def replay(path: Path, write: Callable[[dict[str, Any]], None]) -> int:
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
                write(json.loads(line))
                done += 1
        finally:
            handle.seek(0)
            handle.truncate()
            handle.write("".join(f"{line}\n" for line in lines[done:]))
            handle.flush()
            os.fsync(handle.fileno())
    return done
