"""Crawl throughput: `newsdesk crawl` (extract, split, dedupe, store) against the thirty-line alternative
(benchmarks/reference_spider.py: Scrapy + trafilatura + JSON lines), on the same local site, in one run.

    python -m benchmarks.throughput [--runs 3] [--limit N] [--copies N] [--postgres URL]

Serves the extraction-dev corpus as a site (../shared/tools/serve_corpus.py, sitemap discovery), crawls it
into SQLite (and into PostgreSQL when --postgres or NEWSDESK_TEST_POSTGRES is given), then runs the
reference spider. Prints article pages per second, CPU seconds per page (user+sys of the whole process
tree, the worker processes included) and peak memory (the sum of the tree's proportional set sizes,
sampled every 0.5 s), with ratios to the reference; then where the CPU went: the `newsdesk` command, its
crawl process and its extraction workers, and for PostgreSQL its server's CPU over the crawl (a server on this
machine; not in the CPU column, as it is shared); when each crawl's first and last page was done (stored, or
written out by the reference) and the pages per second between them, which leaves out the start (loading,
robots.txt, the feeds, and newsdesk's politeness: AutoThrottle's first delays) and the end; and the tree's
memory at 20, 40, 60 and 80% of each crawl's time (--copies N serves every page under N addresses, for a crawl long enough to see it stay flat: the
copies are stored as duplicates, each extracted as a new page). The crawls are run --runs times, the reference first every other
time; the summary gives each ratio's median and worst over the runs (this machine's speed drifts by more
than a run's ratio moves).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from benchmarks.common import CORPUS, NEWSDESK, ROOT, TOOLS, missing_corpus
from storage.models import Article
from storage.scratch import scratch_postgres

SAMPLE_EVERY = 0.5  # seconds between samples of the process tree (each costs the machine a few ms of CPU)


@dataclass
class Result:
    name: str
    pages: int
    wall: float
    cpu: float
    peak_mib: float
    roles: dict[str, float] = field(default_factory=dict)  # CPU seconds by process role (see measure)
    memory: list[float] = field(default_factory=list)  # the tree's MiB at 20, 40, 60, 80% of the run's time
    server_cpu: float | None = None  # CPU seconds of the local PostgreSQL server over the run, when measured
    # When pages were done (stored, or written out by the reference), seconds from the command's start: the
    # first and the last, and how many between them.
    done: tuple[float, float, int] | None = None

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall

    @property
    def steady_pages_per_s(self) -> float | None:
        """Pages a second from the first page done to the last: the crawl without its start and end."""
        if self.done is None or self.done[2] < 2 or self.done[1] <= self.done[0]:
            return None
        first, last, count = self.done
        return (count - 1) / (last - first)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def corpus_site(folder: Path, limit: int | None, copies: int = 1) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, str(TOOLS / "serve_corpus.py"), str(folder), "--port", str(port)]
    cmd += ["--copies", str(copies), *(["--limit", str(limit)] if limit else [])]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass
class TreeSample:
    pss_kib: int  # the tree's summed proportional set sizes
    cpu: dict[int, tuple[str, float]]  # pid -> (role, CPU seconds so far: user + sys)


def role(cmdline: str, depth: int) -> str:
    if "multiprocessing.spawn" in cmdline or "multiprocessing.forkserver" in cmdline:
        return "extraction workers"
    if "resource_tracker" in cmdline:
        return "other"
    return "command" if depth == 0 else "crawl process" if " -m crawler" in cmdline else "other"


def process_stats() -> dict[int, tuple[bytes, list[bytes]]]:
    """Every process's command name and the fields of its /proc/<pid>/stat that follow the name (the
    parent's pid at 1, the process's own CPU ticks at 11 and 12, its ended children's at 13 and 14)."""
    stats: dict[int, tuple[bytes, list[bytes]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                head, rest = f.read().rsplit(b")", 1)
        except (OSError, ValueError):  # (ended since it was listed)
            continue
        stats[int(name)] = (head.split(b"(", 1)[-1], rest.split())
    return stats


def sample_tree(root: int) -> TreeSample:
    """Memory of `root` and every process below it: the sum of their proportional set sizes (a page
    shared by n processes counts 1/n in each), so shared libraries are not counted once a process; and
    each process's CPU time so far, with its role in the crawl. Only the tree's own processes are asked
    for their memory (the kernel walks a process's page tables to answer): asking every process on the
    machine took 23 ms of CPU a sample, a fifth of a core at ten samples a second, taken from the crawl
    being measured."""
    stats = {pid: fields for pid, (_, fields) in process_stats().items()}
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0, [(root, 0)], {}
    while todo:
        pid, depth = todo.pop()
        todo.extend((child, depth + 1) for child in children.get(pid, []))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # (ended since)
            continue
        total += next((int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Pss:")), 0)
        stat = stats[pid]
        seen[pid] = (role(command, depth), (int(stat[11]) + int(stat[12])) / ticks)
    return TreeSample(total, seen)


def server_cpu() -> float | None:
    """CPU seconds (user + sys) the PostgreSQL server on this machine has used so far: its processes' own,
    and those of its ended backends (which the kernel adds to the postmaster's children's time once it
    reaps them). None when no postgres process is visible here (a server elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {pid: fields for pid, (command, fields) in process_stats().items() if command == b"postgres"}
    if not stats:
        return None
    total = 0
    for stat in stats.values():
        total += int(stat[11]) + int(stat[12])
        if int(stat[1]) not in stats:  # the postmaster
            total += int(stat[13]) + int(stat[14])
    return total / ticks


def measure(
    name: str, cmd: list[str], env: dict[str, str], out: Path
) -> tuple[float, float, float, dict[str, float], list[float]]:
    """Run `cmd` to the end, its stdout to `out`: wall seconds, CPU seconds of its whole process tree,
    peak memory of the tree (MiB, see sample_tree), the CPU seconds of each role in it as last sampled
    (a process's last 0.5 s may be missing), and the tree's memory at 20, 40, 60 and 80% of the run's time
    (MiB, the last sample before each): flat after the start when no page leaves memory behind."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(out, "wb") as stdout:
        proc = subprocess.Popen(cmd, env=env, cwd=out.parent, stdout=stdout, stderr=subprocess.PIPE)
    peak = 0
    last_cpu: dict[int, tuple[str, float]] = {}
    over_time: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(SAMPLE_EVERY):
            tree = sample_tree(proc.pid)
            peak = max(peak, tree.pss_kib)
            last_cpu.update(tree.cpu)
            if tree.pss_kib:
                over_time.append((time.perf_counter() - started, tree.pss_kib))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    roles: dict[str, float] = {}
    for kind, seconds in last_cpu.values():
        roles[kind] = roles.get(kind, 0.0) + seconds
    at_marks = [
        next((kib for at, kib in reversed(over_time) if at <= wall * step / 5), 0) for step in range(1, 5)
    ]
    return wall, cpu, peak / 1024, roles, [kib / 1024 for kib in at_marks]


def run_newsdesk(name: str, db_url: str, base: str, tmp: Path) -> Result:
    key = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    sources = tmp / f"{key}.toml"
    sources.write_text(
        f'[[source]]\nname = "corpus"\nsitemaps = ["{base}/sitemap.xml"]\nmax_pages = 100000\ntimeout = "2h"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    out = tmp / f"{key}.json"
    # The pages are captured as a crawl does by default, into a new folder of the benchmark's own (for
    # PostgreSQL the default is the user's state folder, which would keep every run's WARC files).
    capture = tempfile.mkdtemp(prefix=f"{key}-capture-", dir=tmp)
    cmd = [NEWSDESK, "--db", db_url, "--sources", str(sources), "--capture", capture]
    cmd += ["crawl", "corpus", "--format", "json"]
    server_before = server_cpu() if key == "postgresql" else None
    started = time.time()
    wall, cpu, rss, roles, memory = measure(name, cmd, env, out)
    server_after = server_cpu() if server_before is not None else None
    (run,) = json.loads(out.read_text())
    pages = run["stored"] + run["updated"] + run["duplicates"]
    server = server_after - server_before if server_before is not None and server_after is not None else None
    return Result(name, pages, wall, cpu, rss, roles, memory, server, stored_times(db_url, started))


def stored_times(db_url: str, started: float) -> tuple[float, float, int] | None:
    """When the crawl stored its first and its last article (seconds after `started`), and how many."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            first, last, count = session.execute(
                select(func.min(Article.fetched_at), func.max(Article.fetched_at), func.count())
            ).one()
    finally:
        engine.dispose()
    if first is None or last is None:
        return None
    return (
        first.replace(tzinfo=UTC).timestamp() - started,
        last.replace(tzinfo=UTC).timestamp() - started,
        count,
    )


def run_reference(base: str, tmp: Path) -> Result:
    out = tmp / "reference.jsonl"
    cmd = [
        sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks" / "reference_spider.py"),
        "-a", f"sitemap={base}/sitemap.xml", "-O", str(out),
    ]  # fmt: skip
    started = time.time()
    wall, cpu, rss, roles, memory = measure("reference", cmd, dict(os.environ), tmp / "reference.log")
    times = [json.loads(line)["done"] - started for line in out.read_text().splitlines() if line.strip()]
    done = (min(times), max(times), len(times)) if times else None
    return Result(
        "reference spider (Scrapy + trafilatura)", len(times), wall, cpu, rss, roles, memory, None, done
    )


def report(results: list[Result], reference: Result) -> None:
    print(f"{'':44} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'ratio':>6} {'CPU ms/page':>12} {'ratio':>6}"
          f" {'peak MiB':>9}")  # fmt: skip
    for r in results:
        cpu_ms = 1000 * r.cpu / r.pages
        ref_cpu_ms = 1000 * reference.cpu / reference.pages
        print(
            f"{r.name:44} {r.pages:6d} {r.wall:7.1f} {r.pages_per_s:8.1f} "
            f"{r.pages_per_s / reference.pages_per_s:5.2f}x {cpu_ms:12.1f} {cpu_ms / ref_cpu_ms:5.2f}x"
            f" {r.peak_mib:9.0f}"
        )
    print("\nCPU ms/page by process (as last sampled):")
    for r in results:
        split = ", ".join(
            f"{kind} {1000 * seconds / r.pages:.1f}" for kind, seconds in sorted(r.roles.items())
        )
        if r.server_cpu is not None:  # not in the tree, not in the CPU column: the server is shared
            split += f"; the PostgreSQL server {1000 * r.server_cpu / r.pages:.1f}"
        print(f"  {r.name:42} {split}")
    print("\nstart and steady state: first and last page done (s after the start), pages/s between them:")
    steady_reference = reference.steady_pages_per_s
    for r in results:
        if r.done is None or (steady := r.steady_pages_per_s) is None:
            continue
        ratio = f" {steady / steady_reference:5.2f}x" if steady_reference else ""
        print(f"  {r.name:42} first {r.done[0]:5.2f}, last {r.done[1]:6.2f}, {steady:6.1f} pages/s{ratio}")
    print("\nmemory of the process tree at 20 / 40 / 60 / 80% of the run's time (MiB):")
    for r in results:
        print(f"  {r.name:42} " + " / ".join(f"{mib:.0f}" for mib in r.memory))


def one_run(index: int, base: str, tmp: Path, postgres: str | None) -> tuple[list[Result], Result]:
    """newsdesk into SQLite (and PostgreSQL) and the reference spider; every other run the reference first,
    so that a machine speeding up or slowing down over the runs favours neither."""
    reference = run_reference(base, tmp) if index % 2 else None
    results = [run_newsdesk("newsdesk crawl, SQLite", f"sqlite:///{tmp / f'bench-{index}.db'}", base, tmp)]
    if postgres:
        with scratch_postgres(postgres, prefix="newsdesk_bench") as url:
            results.append(run_newsdesk("newsdesk crawl, PostgreSQL", url, base, tmp))
    if reference is None:
        reference = run_reference(base, tmp)
    return [*results, reference], reference


def summary(runs: list[tuple[list[Result], Result]]) -> None:
    """Each of newsdesk's ratios to the reference of its own run: median and worst over the runs."""
    print(f"\nover {len(runs)} runs (ratios to the reference of the same run):")
    for name in [r.name for r in runs[0][0] if r is not runs[0][1]]:
        speed, cpu, with_server, steady = [], [], [], []
        for results, reference in runs:
            (r,) = [r for r in results if r.name == name]
            speed.append(r.pages_per_s / reference.pages_per_s)
            if r.steady_pages_per_s and reference.steady_pages_per_s:
                steady.append(r.steady_pages_per_s / reference.steady_pages_per_s)
            cpu.append((r.cpu / r.pages) / (reference.cpu / reference.pages))
            if r.server_cpu is not None:
                with_server.append(((r.cpu + r.server_cpu) / r.pages) / (reference.cpu / reference.pages))
        print(
            f"  {name:42} pages/s median {statistics.median(speed):.2f}x (lowest {min(speed):.2f}x), "
            f"CPU/page median {statistics.median(cpu):.2f}x (highest {max(cpu):.2f}x)"
            + (f", with the server's {statistics.median(with_server):.2f}x" if with_server else "")
            + (f"; first to last page done median {statistics.median(steady):.2f}x" if steady else "")
        )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, help="serve only the first N pages of the corpus")
    ap.add_argument("--postgres", default=os.environ.get("NEWSDESK_TEST_POSTGRES"), help="also crawl into it")
    ap.add_argument("--runs", type=int, default=3, help="runs of every crawl, alternating (default 3)")
    ap.add_argument(
        "--copies",
        type=int,
        default=1,
        help="serve each page under N addresses (a longer crawl: memory over time)",
    )
    args = ap.parse_args(argv)
    corpus = CORPUS / "extraction-dev"
    if missing_corpus(corpus):
        return 0
    runs = []
    with tempfile.TemporaryDirectory() as tmp_name, corpus_site(corpus, args.limit, args.copies) as base:
        for index in range(args.runs):
            runs.append(one_run(index, base, Path(tmp_name), args.postgres))
            print(f"run {index + 1}:")
            report(*runs[-1])
            print(flush=True)
    if len(runs) > 1:
        summary(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
