"""The daemon: schedule rules (with a fixed clock) and the real `newsdesk daemon` process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from crawler.sources import Source, parse_schedule
from scheduler import first_run_time, make_trigger
from storage.db import connect
from storage.queries import list_runs
from tests.conftest import NEWSDESK, Server, newsdesk

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


def wait_for(predicate, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_daemon_runs_an_every_second_source_twice_and_stops_cleanly_on_sigterm(
    tmp_path: Path, news_site: Server, sqlite_url: str
) -> None:
    (tmp_path / "sources.toml").write_text(
        f'[[source]]\nname = "riverside"\nfeeds = ["{news_site.base_url}/feed.xml"]\nschedule = "every 1s"\n'
    )
    env = {**os.environ, "NEWSDESK_DB": sqlite_url}
    daemon = subprocess.Popen([NEWSDESK, "daemon"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len([r for r in runs_of(sqlite_url) if r["status"] == "ok"]) >= 2)
        second = newsdesk("--db", sqlite_url, "daemon", cwd=tmp_path, timeout=30)
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, stderr
    assert "next run at" in stderr
    records = runs_of(sqlite_url)
    assert all(r["trigger"] == "schedule" for r in records)
    assert all(r["status"] in ("ok", "interrupted") for r in records)
    assert records[-1]["stored"] == 3  # the first run stored the feed's articles; later ones found them known
    # Never two runs of one source at once: each started after the previous one finished.
    ordered = sorted(records, key=lambda r: r["id"])
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before["finished_at"] is not None and before["finished_at"] <= after["started_at"]
