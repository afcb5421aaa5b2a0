"""The daemon's footprint: idle CPU and memory, and memory over many consecutive short runs (it must stay
flat: each crawl is a child process, the daemon only schedules and records).

    python -m benchmarks.daemon [--runs 300] [--idle 30]

Serves the bundled demo site on 127.0.0.1, runs `newsdesk daemon` on an "every 1s" source and samples
the daemon process's RSS and CPU time from /proc after every run; RSS is also shown as a ratio to the
first sample (the reference in the same run).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from benchmarks.common import NEWSDESK
from demo.server import SiteServer
from demo.site import build_site, demo_sources
from storage.db import connect
from storage.models import CrawlRun

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def finished_runs(db_url: str) -> int:
    engine = connect(db_url, migrate=False)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).where(CrawlRun.status != "running")) or 0
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of idle measurement")
    args = ap.parse_args(argv)
    with SiteServer(build_site()) as server, tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        connect(db_url).dispose()
        sources = Path(tmp) / "sources.toml"
        sources.write_text(
            demo_sources(server.base_url)
            .replace('schedule = "every 15m"', 'schedule = "every 1s"')
            .replace("max_pages = 100", "max_pages = 3")
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
        daemon = subprocess.Popen(
            [NEWSDESK, "--db", db_url, "--sources", str(sources), "daemon"],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        samples: list[tuple[int, int, float]] = []
        started = time.monotonic()
        try:
            done = 0
            while done < args.runs:
                time.sleep(0.5)
                now_done = finished_runs(db_url)
                if now_done != done:
                    done = now_done
                    samples.append((done, rss_kib(daemon.pid), cpu_seconds(daemon.pid)))
            busy_seconds = time.monotonic() - started
            # Idle: every hour from now on, so nothing runs while we watch.
            sources.write_text(sources.read_text().replace('schedule = "every 1s"', 'schedule = "every 1h"'))
            daemon.send_signal(signal.SIGHUP)
            time.sleep(5)
            cpu_before, idle_start = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(args.idle)
            idle_cpu = (cpu_seconds(daemon.pid) - cpu_before) / (time.monotonic() - idle_start)
            idle_rss = rss_kib(daemon.pid)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
    first_rss = samples[0][1]
    print(f"\nDaemon over {samples[-1][0]} consecutive runs of a 3-page source ({busy_seconds:.0f}s)")
    print(f"{'runs':>5} {'RSS MiB':>8} {'vs first':>9} {'daemon CPU s':>13}")
    step = max(1, len(samples) // 12)
    for runs_done, rss, cpu in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        print(f"{runs_done:>5} {rss / 1024:8.1f} {rss / first_rss:9.2f} {cpu:13.2f}")
    print(f"idle: {idle_cpu * 100:.2f}% of one core over {args.idle:.0f}s, RSS {idle_rss / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
