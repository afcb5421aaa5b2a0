"""Crawl runs as child processes: timeouts, killed children, each recorded with its status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import NEWSDESK, Server, crawl_children, newsdesk, wait_for


def slow_source(folder: Path, site: Server, name: str = "slow", **keys: str) -> None:
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    (folder / "sources.toml").write_text(
        f'[[source]]\nname = "{name}"\nfeeds = ["{site.base_url}/feed.xml"]\nschedule = "every 1s"\n{extra}'
    )


def test_a_hung_crawl_is_stopped_at_its_timeout(tmp_path: Path, slow_site: Server, sqlite_url: str) -> None:
    slow_source(tmp_path, slow_site, timeout='"2s"')
    started = time.monotonic()
    result = newsdesk("--db", sqlite_url, "crawl", "slow", "--format", "json", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    (run,) = json.loads(result.stdout)
    assert run["status"] == "timeout" and "2s timeout" in run["message"] and run["finished_at"]
    assert time.monotonic() - started < 30
    assert crawl_children("slow") == []


def test_a_crawl_child_killed_with_sigkill_is_recorded_failed(
    tmp_path: Path, slow_site: Server, sqlite_url: str
) -> None:
    slow_source(tmp_path, slow_site, name="killed")
    crawl = subprocess.Popen(
        [NEWSDESK, "--db", sqlite_url, "crawl", "killed", "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
    )
    wait_for(lambda: crawl_children("killed"), what="the crawl child")
    for pid in crawl_children("killed"):
        os.kill(pid, signal.SIGKILL)
    stdout, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 1, stderr
    (run,) = json.loads(stdout)
    assert run["status"] == "failed" and "exited with code -9" in run["message"]
