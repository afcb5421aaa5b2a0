"""`python -m crawler crawl news -a source=NAME ...`: Scrapy's command line, bound to the parent's life.

The child asks the kernel for SIGKILL when the process that started it dies (PR_SET_PDEATHSIG), so a
crawl never outlives the `newsdesk` command or daemon that runs it: it stops at once, not after a graceful
shutdown that could overlap the next crawl of the source (articles are written in transactions, so nothing
stored is half-written; what was in flight, or in a batch not yet committed, is fetched again next time). A living parent that wants the
crawl to stop sends SIGTERM and gets the graceful shutdown.

It loads Scrapy and the project's components first, and freezes what they made (crawler.collector). Without
arguments it is a spare (crawler.spare): it then reads its arguments, one JSON list, from stdin; at the end
of stdin it exits.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import shlex
import signal
import sys
from typing import TYPE_CHECKING

from setproctitle import setproctitle

from crawler.collector import collect_rarely

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

PR_SET_PDEATHSIG = 1
COMPONENTS = (
    "ITEM_PIPELINES",
    "SPIDER_MIDDLEWARES",
    "DOWNLOADER_MIDDLEWARES",
    "EXTENSIONS",
    "DOWNLOAD_HANDLERS",
)


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


def load_ahead() -> None:
    """Import what `scrapy crawl` will: Scrapy, the project's spiders and every component its settings
    name; and install the reactor they ask for (Scrapy checks an installed one and uses it)."""
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.misc import load_object
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor

    settings = get_project_settings()
    if settings.getbool("TWISTED_REACTOR_ENABLED"):
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    get_spider_loader(settings)
    for path in component_paths(settings):
        load_object(path)


def component_paths(settings: BaseSettings) -> list[str]:
    """The import paths of the components the settings enable (given as paths, not as classes):
    components are named by their keys (the values are their orders), download handlers by their values
    (the keys are schemes); None disables one."""
    paths = []
    for name in COMPONENTS:
        for key, value in settings.getwithbase(name).items():
            if value is None:
                continue
            path = value if name == "DOWNLOAD_HANDLERS" else key
            if isinstance(path, str):
                paths.append(path)
    return paths


def read_arguments() -> list[str]:
    """The spare's command line: one JSON list of strings on stdin. Nothing there: the parent gave up."""
    line = sys.stdin.buffer.readline()
    if not line.strip():
        sys.exit(0)
    argv = json.loads(line)
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        sys.exit("newsdesk: a spare crawl process takes a JSON list of strings on stdin")
    return argv


def main() -> None:
    collect_rarely()
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    bind_to_parent()
    from scrapy.cmdline import execute

    load_ahead()
    argv = sys.argv[1:]
    if not argv:
        argv = read_arguments()
        # `ps` shows what it crawls, as it shows a crawl process started with its arguments.
        setproctitle(shlex.join([sys.executable, "-m", "crawler", *argv]))
    gc.freeze()  # what start-up made (crawler.collector)
    execute(["scrapy", *argv])


if __name__ == "__main__":
    main()
