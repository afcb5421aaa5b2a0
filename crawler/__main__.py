"""`python -m crawler crawl news -a source=NAME ...`: Scrapy's command line, bound to the parent's life.

The child asks the kernel for SIGKILL when the process that started it dies (PR_SET_PDEATHSIG), so a
crawl never outlives the `newsdesk` command or daemon that runs it: it stops at once, not after a graceful
shutdown that could overlap the next crawl of the source (articles are written in transactions, so nothing
stored is half-written; what was in flight, or in a batch not yet committed, is fetched again next time). A living parent that wants the
crawl to stop sends SIGTERM and gets the graceful shutdown.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def bind_to_parent() -> None:
    expected = os.environ.get("NEWSDESK_PARENT_PID")
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    # The parent may have died before prctl took effect.
    if expected and os.getppid() != int(expected):
        sys.exit("newsdesk: the process that started this crawl is gone")


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    bind_to_parent()
    from scrapy.cmdline import execute

    execute(["scrapy", *sys.argv[1:]])


if __name__ == "__main__":
    main()
