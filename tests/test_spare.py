"""A crawl process started ahead of its run (crawler.spare): used when it fits, never left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawler.spare import SpareCrawl, crawl_environment
from tests.conftest import Server, crawl_children, newsdesk, wait_for


def test_a_spare_that_gets_no_command_line_exits_quietly(tmp_path: Path) -> None:
    env = crawl_environment(f"sqlite:///{tmp_path / 'unused.db'}")
    done = subprocess.run(
        [sys.executable, "-m", "crawler"], input=b"", env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert not (tmp_path / "unused.db").exists()


def test_a_spare_for_another_database_is_not_used_and_is_stopped(tmp_path: Path) -> None:
    spare = SpareCrawl(crawl_environment(f"sqlite:///{tmp_path / 'a.db'}"))
    process = spare.process
    assert process is not None
    assert spare.take(["crawl", "news"], crawl_environment(f"sqlite:///{tmp_path / 'b.db'}")) is None
    assert process.returncode is not None  # stopped and waited for
    assert not spare.log_path.exists()


def test_a_crawl_that_cannot_start_leaves_no_crawl_process_or_log(tmp_path: Path, slow_site: Server) -> None:
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "present"\nfeeds = ["{slow_site.base_url}/feed.xml"]\n'
    )
    logs = tmp_path / "tmp"
    logs.mkdir()
    result = newsdesk(
        "--db",
        f"sqlite:///{tmp_path / 'news.db'}",
        "crawl",
        "absent",
        cwd=tmp_path,
        env={"TMPDIR": str(logs)},
        timeout=120,
    )
    assert result.returncode == 1 and "absent" in result.stderr
    assert list(logs.iterdir()) == []
    assert crawl_children("absent") == [] and crawl_children("present") == []


def test_the_crawl_process_started_ahead_crawls_and_shows_its_source_in_ps(
    tmp_path: Path, slow_site: Server
) -> None:
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "ahead"\nfeeds = ["{slow_site.base_url}/feed.xml"]\ntimeout = "8s"\n'
    )
    crawl = subprocess.Popen(
        [str(Path(sys.executable).parent / "newsdesk"), "--db", f"sqlite:///{tmp_path / 'news.db'}"]
        + ["crawl", "ahead", "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
    )
    try:
        wait_for(lambda: crawl_children("ahead"), what="the crawl process")
        (pid,) = crawl_children("ahead")
        assert Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(crawl.pid)
        # Its command line is the title the spare gave itself once it had its run's (one string), not
        # the arguments of a process started for the run.
        assert b"\0" not in Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0")
        stdout, stderr = crawl.communicate(timeout=120)
    finally:
        crawl.kill()
    (run,) = json.loads(stdout)
    assert run["source"] == "ahead" and run["status"] == "timeout", stderr


def test_a_spare_has_loaded_every_component_the_settings_name_before_its_command_line() -> None:
    # What a spare loads ahead is what the crawl does not wait for after the hand-over.
    script = """
import json, os, sys
os.environ["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
from crawler.__main__ import component_paths, load_ahead
load_ahead()
from scrapy.utils.project import get_project_settings
named = [path.rsplit(".", 1)[0] for path in component_paths(get_project_settings())]
print(json.dumps({"named": named, "missing": [m for m in named if m not in sys.modules]}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, check=True)
    loaded = json.loads(done.stdout)
    assert "crawler.middlewares" in loaded["named"] and "pipelines.store" in loaded["named"]
    assert loaded["missing"] == []
