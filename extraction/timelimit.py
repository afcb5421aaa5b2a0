"""A bound on the time one page may take: every pass of the extractor is linear and bounded (extraction.page),
and this is the guard for the page nobody has thought of yet. One hostile page costs its time limit and
itself, never the crawl or the run of `newsdesk extract` it is part of."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

# Seconds a page may take to extract: about a thousand times what a news page takes, and ten times the
# slowest page built to be slow (benchmarks.pages).
DEFAULT_TIME_LIMIT = 10.0


class PageTooSlow(Exception):
    """Extraction of one page ran past its time limit and was stopped."""

    def __init__(self, seconds: float):
        super().__init__(f"extraction stopped after {seconds:g} s (the time limit of a page)")
        self.seconds = seconds

    def __reduce__(self) -> tuple[type[PageTooSlow], tuple[float]]:
        return PageTooSlow, (self.seconds,)  # (raised in a crawl's worker process, re-raised in the crawl)


def time_limit_value(raw: str | float | None, name: str) -> float:
    """A time limit as given (seconds; 0 for none); ValueError naming `name` for anything else."""
    try:
        seconds = float(raw) if raw not in (None, "") else DEFAULT_TIME_LIMIT
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{name} must be a number of seconds (0 for no limit), not {raw!r}")
    return seconds


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTooSlow from the block once it has run `seconds` (wall-clock). A timer signal (SIGALRM)
    stops Python code between two steps and a regular expression within a few thousand of its steps, and so
    only in a process's main thread: elsewhere, and with 0 seconds, the block runs without a limit."""
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise PageTooSlow(seconds) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Expired(BaseException):
    """What the timer raises: not an Exception, so that no `except Exception` on the way (in the extractor
    or a library it calls) takes it for a failure of its own and goes on."""
