"""How a run ended, read from what its crawl recorded: the result the runner returns, the run's status
from the crawl's exit and close reason, and the error lines of its log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from storage import runs
from storage.models import CrawlRun, RunStatus


@dataclass
class RunResult:
    run_id: int
    source: str
    status: RunStatus
    message: str = ""
    counters: dict[str, int] = field(default_factory=dict)


def log_tail(path: Path | None, limit: int = 600) -> str:
    if path is None:
        return ""
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines() if x.strip()]
    except OSError:
        return ""
    # Scrapy's lines read "<time> [<logger>] ERROR: <message>"; the message is what a person needs, and
    # after a traceback its exception's line ("module.SomeError: what went wrong").
    errors = []
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and not line.startswith(" "):
            in_traceback = False
            errors.append(EXCEPTION_RE.sub("", line))
        elif "] ERROR: " in line or "] CRITICAL: " in line:
            errors.append(line.split("] ", 1)[-1])
    text = " | ".join(errors[-2:] or lines[-3:])
    return text[-limit:]


EXCEPTION_RE = re.compile(r"^(?:\w+\.)+(?=\w+:)")  # an exception's module path, before its class name


def outcome(run: CrawlRun | None, code: int, log_path: Path | None) -> tuple[RunStatus, str]:
    """The status of a run whose crawl process exited by itself, from its exit code and what it recorded
    (Scrapy's close reason, articles left in the spool)."""
    reason = run.close_reason if run is not None else None
    if code != 0 or not reason:
        tail = log_tail(log_path)
        return RunStatus.FAILED, f"crawl process exited with code {code}" + (f": {tail}" if tail else "")
    assert run is not None
    if run.spooled:
        return RunStatus.FAILED, run.message
    if run.blocked:
        return RunStatus.FAILED, f"blocked: {run.blocked}" + (f"; {run.message}" if run.message else "")
    if reason == "shutdown":
        return RunStatus.INTERRUPTED, reason
    if run.errors and not runs.reached_articles(run):
        return RunStatus.FAILED, f"no article could be fetched ({run.errors} errors): {log_tail(log_path)}"
    return RunStatus.OK, f"{reason}; {run.message}" if run.message else reason


def stored_counters(engine: Engine, run_id: int) -> dict[str, int]:
    with Session(engine) as session:
        run = runs.get_run(session, run_id)
        return {k: getattr(run, k) for k in runs.COUNTERS} if run is not None else {}
