"""A crawl process started ahead of its run.

`python -m crawler` with no arguments loads Scrapy and the project's components, then waits for its
command line (one JSON list on stdin). The command starts one before it reads its sources, opens the
database and records the run, so the two start-ups overlap on the two cores instead of following each other:
the first page is fetched about a second sooner. Standard library only, so that starting it costs the command
nothing it has not loaded yet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_SETTINGS = "crawler.settings"


def crawl_environment(db_url: str, settings_module: str = DEFAULT_SETTINGS) -> dict[str, str]:
    """A crawl process's environment: its settings, its parent (crawler.__main__) and database."""
    return {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": settings_module,
        "NEWSDESK_PARENT_PID": str(os.getpid()),
        "NEWSDESK_DB": db_url,  # not in argv: `ps` shows argv to everyone
    }


def new_log(name: str) -> Path:
    """A crawl process's log file (its stdout and stderr)."""
    with tempfile.NamedTemporaryFile(prefix=f"newsdesk-{name}-", suffix=".log", delete=False) as log:
        return Path(log.name)


def start_crawl_process(
    argv: list[str] | None, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """`python -m crawler [argv]` in its own session, its output to `log_path`; with argv None it waits
    for them on stdin (a pipe)."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", *(argv or [])],
            stdin=subprocess.PIPE if argv is None else subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


class SpareCrawl:
    """A crawl process loading while its run is prepared; `take` hands it its command line."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.log_path = new_log("crawl")
        self.process: subprocess.Popen[bytes] | None = start_crawl_process(None, env, self.log_path)

    def take(self, argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path] | None:
        """The process, started on `argv`, and its log; None when it was started for another environment
        (another database or settings) or has already been taken or has died (then it is discarded)."""
        process, self.process = self.process, None
        if process is None:
            return None
        if env == self.env and process.poll() is None and process.stdin is not None:
            try:
                process.stdin.write(json.dumps(argv).encode() + b"\n")
                process.stdin.close()
                return process, self.log_path
            except BrokenPipeError:
                pass
        self.process = process
        self.discard()
        return None

    def discard(self) -> None:
        """Stop it if it was not taken (it has done nothing but load), and remove its log."""
        process, self.process = self.process, None
        if process is None:
            return
        process.kill()
        process.wait()
        if process.stdin is not None:
            process.stdin.close()
        self.log_path.unlink(missing_ok=True)
