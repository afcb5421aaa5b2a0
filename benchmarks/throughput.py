"""Crawl throughput: `newsdesk crawl` (extract, split, dedupe, store) against the thirty-line alternative
(benchmarks/reference_spider.py: Scrapy + trafilatura + JSON lines), on the same local site, in one run.

    python -m benchmarks.throughput [--limit N] [--postgres URL]

Serves the extraction-dev corpus as a site (../shared/tools/serve_corpus.py, sitemap discovery), crawls it
into SQLite (and into PostgreSQL when --postgres or NEWSDESK_TEST_POSTGRES is given), then runs the
reference spider. Prints article pages per second, CPU seconds per page (user+sys of the whole process
tree, the worker processes included) and peak memory (the sum of the tree's proportional set sizes,
sampled every 0.1 s), with ratios to the reference.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import CORPUS, NEWSDESK, ROOT, TOOLS, missing_corpus
from storage.scratch import scratch_postgres

SAMPLE_EVERY = 0.1  # seconds between RSS samples of the process tree


@dataclass
class Result:
    name: str
    pages: int
    wall: float
    cpu: float
    peak_mib: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def corpus_site(folder: Path, limit: int | None) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, str(TOOLS / "serve_corpus.py"), str(folder), "--port", str(port)]
    server = subprocess.Popen([*cmd, *(["--limit", str(limit)] if limit else [])], stdout=subprocess.DEVNULL)
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


def tree_pss_kib(root: int) -> int:
    """Memory of `root` and every process below it: the sum of their proportional set sizes (a page
    shared by n processes counts 1/n in each), so shared libraries are not counted once a process."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        rss[int(entry.name)] = next(
            (int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Pss:")), 0
        )
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def measure(name: str, cmd: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float]:
    """Run `cmd` to the end, its stdout to `out`: wall seconds, CPU seconds of its whole process tree,
    peak memory of the tree (MiB, see tree_pss_kib)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(out, "wb") as stdout:
        proc = subprocess.Popen(cmd, env=env, cwd=out.parent, stdout=stdout, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(SAMPLE_EVERY):
            peak = max(peak, tree_pss_kib(proc.pid))

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
    return wall, cpu, peak / 1024


def run_newsdesk(name: str, db_url: str, base: str, tmp: Path) -> Result:
    key = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    sources = tmp / f"{key}.toml"
    sources.write_text(
        f'[[source]]\nname = "corpus"\nsitemaps = ["{base}/sitemap.xml"]\nmax_pages = 100000\ntimeout = "2h"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    out = tmp / f"{key}.json"
    cmd = [NEWSDESK, "--db", db_url, "--sources", str(sources), "crawl", "corpus", "--format", "json"]
    wall, cpu, rss = measure(name, cmd, env, out)
    (run,) = json.loads(out.read_text())
    pages = run["stored"] + run["updated"] + run["duplicates"]
    return Result(name, pages, wall, cpu, rss)


def run_reference(base: str, tmp: Path) -> Result:
    out = tmp / "reference.jsonl"
    cmd = [
        sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks" / "reference_spider.py"),
        "-a", f"sitemap={base}/sitemap.xml", "-O", str(out),
    ]  # fmt: skip
    wall, cpu, rss = measure("reference", cmd, dict(os.environ), tmp / "reference.log")
    pages = sum(1 for line in out.read_text().splitlines() if line.strip())
    return Result("reference spider (Scrapy + trafilatura)", pages, wall, cpu, rss)


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


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, help="serve only the first N pages of the corpus")
    ap.add_argument("--postgres", default=os.environ.get("NEWSDESK_TEST_POSTGRES"), help="also crawl into it")
    args = ap.parse_args(argv)
    corpus = CORPUS / "extraction-dev"
    if missing_corpus(corpus):
        return 0
    with tempfile.TemporaryDirectory() as tmp_name, corpus_site(corpus, args.limit) as base:
        tmp = Path(tmp_name)
        results = [run_newsdesk("newsdesk crawl, SQLite", f"sqlite:///{tmp / 'bench.db'}", base, tmp)]
        if args.postgres:
            with scratch_postgres(args.postgres, prefix="newsdesk_bench") as url:
                results.append(run_newsdesk("newsdesk crawl, PostgreSQL", url, base, tmp))
        reference = run_reference(base, tmp)
        results.append(reference)
    report(results, reference)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
