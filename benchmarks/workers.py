"""Many sources on a schedule: the daemon's child processes against long-lived workers on Redis.

    python -m benchmarks.workers [--sources 100] [--minutes 10] [--articles 20] [--every 120]
                                 [--postgres URL] [--redis URL] [--pages 1000]

1. Schedule: `--sources` sites, each on a host of its own (127.0.0.2, 127.0.0.3, ...), each getting
   `--articles` new stories every `--every` seconds; one source per site on that schedule. Run for
   `--minutes` by `newsdesk daemon` (child processes, its default --parallel), then by `newsdesk daemon
   --redis` with 2 `newsdesk worker` processes, each into a fresh PostgreSQL database. Printed side by
   side: runs finished, how late the scheduled runs started (p50 / p95 / max of late_by), articles stored
   per minute, CPU seconds of all the processes, peak memory (summed proportional set sizes).
2. One site of `--pages` stories crawled with `crawl --enqueue` by 1 worker, then by 2: pages/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from benchmarks.common import NEWSDESK
from benchmarks.throughput import sample_tree
from demo.server import Page, Site, SiteServer, load_folder
from demo.stories import story, write_story_site
from storage.db import connect
from storage.models import Article, CrawlRun
from storage.scratch import scratch_postgres

POSTGRES = os.environ.get("NEWSDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("NEWSDESK_TEST_REDIS", "redis://127.0.0.1:6379/15")


class GrowingSite:
    """A site whose sitemap lists `articles` more stories every `every` seconds."""

    def __init__(self, number: int, articles: int, every: float):
        self.rng = random.Random(number)
        self.number = number
        self.articles = articles
        self.every = every
        self.pages: Site = {}
        self.server = SiteServer(self.pages, host=f"127.0.0.{2 + number}")
        self.count = 0
        self.grow()

    def grow(self) -> None:
        for n in range(self.count, self.count + self.articles):
            self.pages[f"/a/{n}.html"] = Page(story(self.rng, self.number * 100000 + n).encode())
        self.count += self.articles
        entries = "".join(f"<url><loc>{{{{BASE}}}}/a/{n}.html</loc></url>" for n in range(self.count))
        self.pages["/sitemap.xml"] = Page(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode(),
            "application/xml",
        )


@contextmanager
def growing_sites(count: int, articles: int, every: float) -> Iterator[list[GrowingSite]]:
    sites = [GrowingSite(i, articles, every) for i in range(count)]
    stop = threading.Event()

    def grow() -> None:
        while not stop.wait(every):
            for site in sites:
                site.grow()

    with ExitStack() as stack:
        for site in sites:
            stack.enter_context(site.server)
        thread = threading.Thread(target=grow, daemon=True)
        thread.start()
        yield sites
        stop.set()


@dataclass
class Outcome:
    mode: str
    runs: int
    late: list[float]
    stored: int
    minutes: float
    cpu: float
    peak_mib: float


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Processes:
    """Started processes, their summed peak memory sampled every second, stopped with SIGTERM."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.peak_kib = 0
        self.done = threading.Event()
        self.sampler = threading.Thread(target=self.sample, daemon=True)

    def start(self, cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        if not self.sampler.is_alive():
            self.sampler.start()
        return proc

    def sample(self) -> None:
        while not self.done.wait(1.0):
            self.peak_kib = max(self.peak_kib, sum(sample_tree(p.pid).pss_kib for p in self.procs))

    def stop(self) -> None:
        self.done.set()
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def schedule_run(mode: str, args: argparse.Namespace, tmp: Path) -> Outcome:
    if mode not in ("child processes", "workers"):
        raise SystemExit(f"unknown mode {mode!r}: child processes or workers")
    workers = 2 if mode == "workers" else 0
    prefix = f"newsdesk-bench-{uuid.uuid4().hex[:8]}"
    folder = tmp / mode
    folder.mkdir()
    with (
        scratch_postgres(args.postgres, prefix="newsdesk_bench") as db,
        growing_sites(args.sources, args.articles, args.every) as sites,
    ):
        (folder / "sources.toml").write_text(
            "".join(
                f'[[source]]\nname = "s{s.number:03d}"\nsitemaps = ["{s.server.base_url}/sitemap.xml"]\n'
                f'schedule = "every {int(args.every)}s"\nmax_pages = 1000\n'
                for s in sites
            )
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
        env |= {"NEWSDESK_DB": db, "NEWSDESK_CAPTURE": str(folder / "capture")}
        if workers:
            env |= {"NEWSDESK_REDIS": args.redis, "NEWSDESK_REDIS_PREFIX": prefix}
        connect(db).dispose()  # the schema, before the processes start
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        processes = Processes()
        for i in range(workers):
            processes.start([NEWSDESK, "worker"], env, folder / f"worker-{i}.log")
        time.sleep(3 if workers else 0)
        started = time.monotonic()
        processes.start([NEWSDESK, "daemon"], env, folder / "daemon.log")
        time.sleep(args.minutes * 60)
        processes.stop()
        minutes = (time.monotonic() - started) / 60
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        engine = connect(db)
        with Session(engine) as session:
            late = [
                r
                for r in session.scalars(select(CrawlRun.late_by).where(CrawlRun.status != "running"))
                if r is not None
            ]
            stored = session.scalar(select(func.count()).select_from(Article)) or 0
        engine.dispose()
    if workers:
        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Outcome(mode, len(late), late, stored, minutes, cpu, processes.peak_kib / 1024)


def pages_per_second(workers: int, args: argparse.Namespace, tmp: Path) -> tuple[float, int]:
    """One site of args.pages stories crawled through `workers` workers: pages/s and pages fetched."""
    folder = tmp / f"one-site-{workers}"
    write_story_site(folder / "site", args.pages)
    prefix = f"newsdesk-bench-{uuid.uuid4().hex[:8]}"
    with (
        scratch_postgres(args.postgres, prefix="newsdesk_bench") as db,
        SiteServer(load_folder(folder / "site"), folder=folder / "site") as server,
    ):
        (folder / "sources.toml").write_text(
            f'[[source]]\nname = "one"\nsitemaps = ["{server.base_url}/sitemap.xml"]\n'
            f"max_pages = {args.pages + 10}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
        env |= {"NEWSDESK_DB": db, "NEWSDESK_REDIS": args.redis, "NEWSDESK_REDIS_PREFIX": prefix}
        env |= {"NEWSDESK_CAPTURE": str(folder / "capture")}
        connect(db).dispose()
        processes = Processes()
        for i in range(workers):
            processes.start([NEWSDESK, "worker"], env, folder / f"worker-{i}.log")
        time.sleep(3)
        began = time.perf_counter()
        done = subprocess.run(
            [NEWSDESK, "crawl", "one", "--enqueue", "--format", "json"],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - began
        processes.stop()
    if done.returncode != 0:
        raise SystemExit(f"crawl --enqueue with {workers} workers failed: {done.stderr[-2000:]}")
    (run,) = json.loads(done.stdout)
    return run["pages"] / wall, run["pages"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--articles", type=int, default=20, help="new stories per site every --every seconds")
    parser.add_argument("--every", type=float, default=120.0)
    parser.add_argument("--pages", type=int, default=1000, help="stories of the one-site pages/s run")
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument(
        "--modes", default="child processes,workers", help="which schedule runs, comma-separated"
    )
    args = parser.parse_args(argv)
    try:
        redis.Redis.from_url(args.redis).ping()
    except redis.RedisError as e:
        print(f"skipped: Redis at {args.redis} is unreachable: {e}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-workers-") as tmp:
        outcomes = [schedule_run(mode, args, Path(tmp)) for mode in args.modes.split(",") if mode]
        print(
            f"\n{args.sources} sources, {args.articles} new stories each every {args.every:.0f} s, "
            f"{args.minutes:g} minutes, PostgreSQL"
        )
        print("| mode | runs | late p50 s | late p95 s | late max s | stored/min | CPU s | peak MiB |")
        print("|---|---|---|---|---|---|---|---|")
        for o in outcomes:
            print(
                f"| {o.mode} | {o.runs} | {percentile(o.late, 0.5):.1f} | {percentile(o.late, 0.95):.1f} | "
                f"{max(o.late, default=float('nan')):.1f} | {o.stored / o.minutes:.0f} | {o.cpu:.0f} | "
                f"{o.peak_mib:.0f} |"
            )
        rates = [pages_per_second(n, args, Path(tmp)) for n in (1, 2)]
        print(f"\none site of {args.pages} stories, `crawl --enqueue`:")
        print("| workers | pages | pages/s | ratio |")
        print("|---|---|---|---|")
        for n, (rate, pages) in zip((1, 2), rates, strict=True):
            print(f"| {n} | {pages} | {rate:.1f} | {rate / rates[0][0]:.2f}x |")
        within = [o for o in outcomes if o.late and max(o.late) <= 30.0]
        print("\nevery run within 30 s of its time: " + (", ".join(o.mode for o in within) or "neither"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
