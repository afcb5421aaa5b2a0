"""Shared helpers: where the corpora are, timing whole processes, running the shared scorers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
TOOLS = SHARED / "tools"
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")


@contextmanager
def scratch_postgres(base: str, prefix: str = "newsdesk_bench") -> Iterator[str]:
    """A new PostgreSQL database next to `base`'s, dropped afterwards (the tests' too).
    sqlalchemy.exc.OperationalError when the server cannot be reached."""
    from sqlalchemy import create_engine, make_url

    from storage.db import normalise_url

    base = normalise_url(base)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def timed(cmd: list[str], out: Path, stdin: Path | None = None) -> float:
    """Run `cmd` with stdout to `out`; the whole process's wall time in seconds."""
    start = time.perf_counter()
    with open(out, "wb") as f, open(stdin or os.devnull, "rb") as fin:
        subprocess.run(cmd, stdout=f, stdin=fin, check=True)
    return time.perf_counter() - start


def score(tool: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(TOOLS / tool), *args, "--json"], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def missing_corpus(path: Path) -> bool:
    if path.exists():
        return False
    print(f"skipped: {path} not found (set NEWSDESK_SHARED to the folder holding corpus/ and tools/)")
    return True
