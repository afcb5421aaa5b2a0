"""Shared helpers: where the corpora are, timing whole processes, running the shared scorers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
TOOLS = SHARED / "tools"
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")


def read_jsonl(path: Path) -> list[dict]:
    """One JSON object a line (split on newlines only: texts hold U+2028, where str.splitlines splits)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


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
