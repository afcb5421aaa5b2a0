"""Crawl runs as child processes: timeouts, killed children, each recorded with its status."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import NEWSDESK, Server, crawl_children, newsdesk, wait_for
from tests.faults.test_database_down import build_site


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


def start_crawl(tmp_path: Path, slow_site: Server, name: str, db: str) -> subprocess.Popen[str]:
    slow_source(tmp_path, slow_site, name=name)
    crawl = subprocess.Popen(
        [NEWSDESK, "--db", db, "crawl", name, "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
    )
    wait_for(lambda: crawl_children(name), what="the crawl child")
    return crawl


def test_sigterm_to_a_crawl_records_it_interrupted_and_its_url_stays_out_of_argv(
    tmp_path: Path, slow_site: Server, sqlite_url: str
) -> None:
    crawl = start_crawl(tmp_path, slow_site, "stopped", sqlite_url)
    for pid in crawl_children("stopped"):  # `ps` shows argv to every user: no database URL there
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert sqlite_url not in argv and "NEWSDESK_DB" not in argv
    crawl.send_signal(signal.SIGTERM)
    crawl.communicate(timeout=60)
    assert crawl.returncode != 0
    runs = newsdesk("--db", sqlite_url, "runs", "--format", "json", cwd=tmp_path)
    (run,) = json.loads(runs.stdout)
    assert run["status"] == "interrupted" and run["finished_at"]
    assert crawl_children("stopped") == []


def test_a_crawl_whose_parent_is_killed_stops_at_once(tmp_path: Path, sqlite_url: str) -> None:
    """A graceful stop would go on storing the pages in flight, and could overlap the next crawl."""
    build_site(tmp_path / "site")  # 24 articles, each answered after 0.8 s
    server = Server(tmp_path / "site")
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[source]]\nname = "orphan"\nfeeds = ["{server.base_url}/feed.xml"]\n'
        )
        crawl = subprocess.Popen(
            [NEWSDESK, "--db", sqlite_url, "crawl", "orphan"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
        )
        database = sqlite_url.removeprefix("sqlite:///")

        def stored() -> int:
            try:
                with sqlite3.connect(database, timeout=30) as conn:
                    return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
            except sqlite3.OperationalError:  # not created yet
                return 0

        wait_for(lambda: stored() >= 2, what="the first articles")
        crawl.kill()
        crawl.wait(timeout=10)
        wait_for(lambda: not crawl_children("orphan"), timeout=5, what="the orphaned crawl child to stop")
        at_kill = stored()
        time.sleep(2.5)  # pages that were in flight arrive within 0.8 s
        assert stored() == at_kill
    finally:
        server.stop()
