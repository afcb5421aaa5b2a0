"""The daemon: schedule rules (with a fixed clock) and the real `newsdesk daemon` process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from crawler.sources import Source, parse_schedule
from scheduler import first_run_time, make_trigger
from storage.db import connect
from storage.runs import list_runs
from tests.conftest import NEWSDESK, Server, crawl_children, newsdesk, wait_for

NOW = datetime(2026, 11, 24, 12, 0, 0)


def test_an_interval_source_runs_at_once_when_never_run_or_overdue() -> None:
    source = Source(name="s", feeds=["http://x/"], schedule=parse_schedule("every 15m"))
    assert first_run_time(source, None, NOW) == NOW
    assert first_run_time(source, NOW - timedelta(hours=1), NOW) == NOW
    assert first_run_time(source, NOW - timedelta(minutes=5), NOW) == NOW + timedelta(minutes=10)


def test_cron_sources_follow_their_expression() -> None:
    source = Source(name="s", feeds=["http://x/"], schedule=parse_schedule("30 6 * * *"))
    assert first_run_time(source, None, NOW) is None
    fire = make_trigger(source).get_next_fire_time(None, NOW.replace(tzinfo=UTC))
    assert fire is not None and fire.astimezone(UTC).replace(tzinfo=None) == datetime(2026, 11, 25, 6, 30)


def runs_of(db: str) -> list[dict]:
    engine = connect(db)
    with Session(engine) as s:
        records = list_runs(s, limit=100)
    engine.dispose()
    return records


def test_daemon_runs_an_every_second_source_twice_and_stops_cleanly_on_sigterm(
    tmp_path: Path, news_site: Server, sqlite_url: str
) -> None:
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "riverside"\nfeeds = ["{news_site.base_url}/feed.xml"]\nschedule = "every 1s"\n'
    )
    env = {**os.environ, "NEWSDESK_DB": sqlite_url}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    daemon = subprocess.Popen(
        [NEWSDESK, "daemon", "--metrics-port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: len([r for r in runs_of(sqlite_url) if r["status"] == "ok"]) >= 2, 90, "two ok runs")
        second = newsdesk("--db", sqlite_url, "daemon", cwd=tmp_path, timeout=30)
        assert second.returncode == 1 and "already running" in second.stderr
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            metrics = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(response.read().decode())
                for s in family.samples
            }
        assert metrics[("newsdesk_runs_total", (("source", "riverside"), ("status", "ok")))] >= 2
        assert 0 <= metrics[("newsdesk_schedule_lag_seconds", (("source", "riverside"),))] < 30
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    assert "source riverside (every 1s): runs now" in stderr
    records = runs_of(sqlite_url)
    assert all(r["trigger"] == "schedule" for r in records)
    assert all(r["status"] in ("ok", "interrupted") for r in records)
    assert records[-1]["stored"] == 3  # the first run stored the feed's articles; later ones found them known
    # Never two runs of one source at once: each started after the previous one finished.
    ordered = sorted(records, key=lambda r: r["id"])
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before["finished_at"] is not None and before["finished_at"] <= after["started_at"]


def test_a_missed_cron_run_is_caught_up_once_within_the_grace() -> None:
    source = Source(name="s", feeds=["http://x/"], schedule=parse_schedule("0 * * * *"), misfire_grace=300)
    last = datetime(2026, 11, 24, 10, 0, 5)
    assert first_run_time(source, last, datetime(2026, 11, 24, 11, 2)) == datetime(2026, 11, 24, 11, 2)
    assert (
        first_run_time(source, last, datetime(2026, 11, 24, 11, 10)) is None
    )  # missed by more than the grace
    assert first_run_time(source, datetime(2026, 11, 24, 11, 0, 5), datetime(2026, 11, 24, 11, 2)) is None


def test_cron_in_a_time_zone_and_jitter() -> None:
    source = Source(
        name="s",
        feeds=["http://x/"],
        schedule=parse_schedule("30 6 * * *"),
        timezone="Europe/Berlin",
        jitter=30,
    )
    trigger = make_trigger(source)
    fire = trigger.get_next_fire_time(None, NOW.replace(tzinfo=UTC))
    assert fire is not None
    # 06:30 in Berlin (UTC+1 in November), plus up to 30 s of jitter.
    delay = fire.astimezone(UTC).replace(tzinfo=None) - datetime(2026, 11, 25, 5, 30)
    assert timedelta(0) <= delay <= timedelta(seconds=30)
    assert trigger.jitter == 30


def start_daemon(folder: Path, db: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    return subprocess.Popen(
        [NEWSDESK, "--db", db, "daemon", *args], cwd=folder, env=env, stderr=subprocess.PIPE, text=True
    )


def write_slow_source(folder: Path, site: Server, name: str) -> None:
    (folder / "sources.toml").write_text(
        f'[[source]]\nname = "{name}"\nfeeds = ["{site.base_url}/feed.xml"]\nschedule = "every 1s"\n'
    )


def test_sigterm_during_a_crawl_stops_it_and_exits_0(
    tmp_path: Path, slow_site: Server, sqlite_url: str
) -> None:
    write_slow_source(tmp_path, slow_site, "term")
    daemon = start_daemon(tmp_path, sqlite_url, "--grace", "1")
    try:
        wait_for(lambda: crawl_children("term"), what="a running crawl")
        # A manual crawl of the source the daemon is crawling is refused, with who holds it.
        manual = newsdesk("--db", sqlite_url, "crawl", "term", cwd=tmp_path, timeout=30)
        assert manual.returncode == 1 and "is being crawled now by pid" in manual.stderr
        listed = newsdesk("--db", sqlite_url, "sources", "--format", "json", cwd=tmp_path)
        (entry,) = json.loads(listed.stdout)
        assert entry["name"] == "term" and entry["last_status"] == "running" and entry["health"] == "ok"
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    (run,) = runs_of(sqlite_url)
    assert run["status"] == "interrupted" and run["finished_at"]
    assert crawl_children("term") == []


def test_a_daemon_killed_with_sigkill_is_replaced_at_once(
    tmp_path: Path, slow_site: Server, sqlite_url: str
) -> None:
    write_slow_source(tmp_path, slow_site, "killed-daemon")
    first = start_daemon(tmp_path, sqlite_url)
    wait_for(lambda: crawl_children("killed-daemon"), what="a running crawl")
    first.kill()
    first.communicate(timeout=30)
    # The crawl dies with the daemon that started it.
    wait_for(lambda: not crawl_children("killed-daemon"), 30, "the orphaned crawl to end")
    second = start_daemon(tmp_path, sqlite_url, "--grace", "1", "--log-format", "json")
    try:
        wait_for(
            lambda: runs_of(sqlite_url)[-1]["status"] == "interrupted", 30, "the dead run to be interrupted"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        _, stderr = second.communicate(timeout=60)
    assert second.returncode == 0, stderr
    logs = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(entry["message"].startswith("source killed-daemon (every 1s): ") for entry in logs)
    assert all(entry["time"].endswith("Z") and entry["level"] for entry in logs)


def test_sighup_reloads_the_sources(tmp_path: Path, news_site: Server, sqlite_url: str) -> None:
    base = news_site.base_url
    one = f'[[source]]\nname = "rss"\nfeeds = ["{base}/feed.xml"]\nschedule = "every 1h"\n'
    (tmp_path / "sources.toml").write_text(one)
    daemon = start_daemon(tmp_path, sqlite_url)
    try:
        wait_for(lambda: any(r["status"] == "ok" for r in runs_of(sqlite_url)), what="the first source's run")
        (tmp_path / "sources.toml").write_text(
            one + f'[[source]]\nname = "atom"\nfeeds = ["{base}/atom.xml"]\nschedule = "every 1h"\n'
        )
        daemon.send_signal(signal.SIGHUP)
        wait_for(
            lambda: any(r["source"] == "atom" and r["status"] == "ok" for r in runs_of(sqlite_url)),
            what="the added source's run",
        )
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    assert "source atom added" in stderr


def test_with_every_crawl_slot_busy_a_run_starts_late_and_says_so(
    tmp_path: Path, slow_site: Server, news_site: Server, sqlite_url: str
) -> None:
    # One slot (--parallel 1): a crawl that hangs until its 6 s timeout holds it, so the other source's
    # run, due at the same time, waits (or the other way round).
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "hangs"\nfeeds = ["{slow_site.base_url}/feed.xml"]\nschedule = "every 1h"\n'
        'timeout = "6s"\n'
        f'[[source]]\nname = "quick"\nfeeds = ["{news_site.base_url}/feed.xml"]\nschedule = "every 1h"\n'
    )
    daemon = start_daemon(tmp_path, sqlite_url, "--parallel", "1", "--grace", "1")
    try:
        wait_for(lambda: len([r for r in runs_of(sqlite_url) if r["finished_at"]]) == 2, 90, "both runs")
        listed = newsdesk("--db", sqlite_url, "sources", "--format", "json", cwd=tmp_path)
        table = newsdesk("--db", sqlite_url, "sources", "--format", "table", cwd=tmp_path)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    first, second = sorted(runs_of(sqlite_url), key=lambda r: r["started_at"])
    assert first["late_by"] < 3  # it had the slot at once
    assert second["late_by"] >= 4  # it waited for the other to end
    assert f"source {second['source']}: run starts" in stderr and "after its time" in stderr
    late = {s["name"]: s["late_by"] for s in json.loads(listed.stdout)}
    assert late[second["source"]] == second["late_by"]
    assert "late_by" in table.stdout
