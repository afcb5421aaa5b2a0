"""Shared fixtures: databases (SQLite always, PostgreSQL when NEWSDESK_TEST_POSTGRES is set), the local
fixture site server, and the real `newsdesk` command in a subprocess."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import AsyncCrawlerRunner, Crawler, CrawlerRunner
from scrapy.utils.reactor import is_reactor_installed
from scrapy.utils.test import get_reactor_settings
from sqlalchemy.exc import OperationalError

from crawler.spiders.news import NewsSpider
from storage.scratch import scratch_postgres

SITES = Path(__file__).parent / "sites"
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
REQUIRE_SERVICES = os.environ.get("NEWSDESK_REQUIRE_SERVICES") == "1"


def spider_crawler(settings: dict[str, Any], **spider_args: Any) -> Crawler:
    """A crawler with its spider built as `scrapy crawl` builds them: the spider first (it hands the
    source to the other components in the settings), then the settings are applied and frozen."""
    full = {"TELNETCONSOLE_ENABLED": False, **get_reactor_settings(), **settings}
    # As scrapy.utils.test.get_crawler chooses its runner (which applies the settings before any spider).
    runner = CrawlerRunner(full) if is_reactor_installed() else AsyncCrawlerRunner(full)
    crawler = runner.create_crawler(NewsSpider)
    crawler.spider = crawler._create_spider(**spider_args)
    crawler._apply_settings()
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return crawler


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (NEWSDESK_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newsdesk.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    base = os.environ.get("NEWSDESK_TEST_POSTGRES")
    if not base:
        _unavailable("NEWSDESK_TEST_POSTGRES is not set: PostgreSQL tests skipped")
    assert base is not None
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_postgres(base, prefix="newsdesk_test"))
        except OperationalError as e:
            _unavailable(f"PostgreSQL at {base} is unreachable: {e.orig}")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsdesk.db'}"
    return request.getfixturevalue("postgres_url")


class Server:
    """`python -m demo.server FOLDER` in a subprocess on a free port (Scrapy's mockserver pattern)."""

    def __init__(self, folder: Path, log: Path | None = None):
        self.log = log
        extra = ["--log", str(log)] if log else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "demo.server", str(folder), "--port", "0", *extra],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        assert self.base_url.startswith("http://127.0.0.1:"), self.base_url

    def requests(self) -> list[str]:
        """'STATUS PATH UNIXTIME IN_FLIGHT' per request served so far (a server started with a log)."""
        assert self.log is not None, "start the Server with log=PATH to see its requests"
        return self.log.read_text().splitlines() if self.log.exists() else []

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def news_site() -> Iterator[Server]:
    server = Server(SITES / "news")
    yield server
    server.stop()


def newsdesk(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `newsdesk` command."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    if any(a.startswith("postgresql") for a in args):
        # Its default capture folder is in the home folder: a test's WARC files stay in the test's own.
        full_env["NEWSDESK_CAPTURE"] = str(cwd / "capture")
    full_env.update(env or {})
    return subprocess.run(
        [NEWSDESK, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, input=stdin
    )


@pytest.fixture(scope="session")
def slow_site() -> Iterator[Server]:
    """A site whose article answers after a minute: crawls of it stay running."""
    server = Server(SITES / "slow")
    yield server
    server.stop()


def crawl_children(source: str) -> list[int]:
    """Pids of running crawl processes of `source`, from the command lines `ps` shows (a crawl process
    started ahead of its run shows its run's as one string: crawler.spare)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        if b"crawler" in cmdline and f"source={source}".encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> None:
    """Poll `predicate` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)
