"""Runs crawled by long-lived workers through Redis: real `newsdesk worker` processes, a real Redis and
PostgreSQL, and a local site of 180 distinct stories."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.frontier import Frontier
from crawler.shared import SharedScheduler
from demo.stories import write_story_site
from storage.db import connect
from storage.models import Article
from storage.runs import list_runs
from tests.conftest import NEWSDESK, REQUIRE_SERVICES, Server, _unavailable, wait_for

STORIES = 180


@pytest.fixture
def redis_url() -> Iterator[tuple[str, str]]:
    """The test Redis and a key prefix of the test's own; its keys are deleted afterwards."""
    url = os.environ.get("NEWSDESK_TEST_REDIS")
    if not url:
        _unavailable("NEWSDESK_TEST_REDIS is not set: worker tests skipped")
    assert url is not None
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as e:
        _unavailable(f"Redis at {url} is unreachable: {e}")
    prefix = f"newsdesk-test-{uuid.uuid4().hex[:8]}"
    yield url, prefix
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


class Cluster:
    """`newsdesk worker` processes and the commands that hand them runs, with one database and Redis."""

    def __init__(self, tmp: Path, db: str, redis_url: str, prefix: str):
        self.tmp = tmp
        self.redis = redis.Redis.from_url(redis_url)
        self.url = redis_url
        self.prefix = prefix
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
            "NEWSDESK_DB": db,
            "NEWSDESK_REDIS": redis_url,
            "NEWSDESK_REDIS_PREFIX": prefix,
            "NEWSDESK_CAPTURE": str(tmp / "capture"),
        }
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115 -- the process's
        worker = subprocess.Popen(
            [NEWSDESK, "worker"],
            cwd=self.tmp,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def alive(self) -> int:
        return len(Frontier(self.url, self.prefix).live_workers())

    def start_workers(self, count: int) -> None:
        for _ in range(count):
            self.start_worker()
        wait_for(lambda: self.alive() == count, timeout=60, what=f"{count} workers")

    def log(self, index: int) -> str:
        return (self.tmp / f"worker-{index}.log").read_text(errors="replace")

    def stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, redis_url: tuple[str, str]) -> Iterator[Cluster]:
    workers = Cluster(tmp_path, postgres_url, *redis_url)
    yield workers
    workers.stop()


def story_site(tmp: Path, delay: float = 0.0) -> Server:
    write_story_site(tmp / "site", STORIES, delay=delay)
    return Server(tmp / "site", log=tmp / "site.log")


def write_sources(tmp: Path, server: Server, *names: str, schedule: str = "every 1h") -> None:
    (tmp / "sources.toml").write_text(
        "".join(
            f'[[source]]\nname = "{name}"\nsitemaps = ["{server.base_url}/sitemap.xml"]\n'
            f'schedule = "{schedule}"\nmax_pages = 1000\ntimeout = "3m"\n'
            for name in names
        )
    )


def enqueue(cluster: Cluster, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NEWSDESK, "crawl", name, "--enqueue", "--format", "json"],
        cwd=cluster.tmp,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def enqueue_and_wait_for_40_pages(cluster: Cluster, server: Server) -> subprocess.Popen[str]:
    """`crawl stories --enqueue` under way, 40 pages into the crawl."""
    following = subprocess.Popen(
        [NEWSDESK, "crawl", "stories", "--enqueue", "--format", "json"],
        cwd=cluster.tmp,
        env=cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: len(stories_fetched(server)) >= 40, timeout=120, what="40 pages fetched")
    return following


def stories_fetched(server: Server) -> collections.Counter[str]:
    return collections.Counter(
        line.split()[1] for line in server.requests() if line.split()[1].startswith("/story-")
    )


def stored_urls(db: str) -> list[str]:
    engine = connect(db)
    with Session(engine) as session:
        urls = list(session.scalars(select(Article.url)))
    engine.dispose()
    return urls


def test_two_workers_crawl_one_run_each_page_once_with_the_counters_added_up(
    cluster: Cluster, postgres_url: str
) -> None:
    server = story_site(cluster.tmp, delay=0.02)
    # The rules of a local crawl hold in workers: robots.txt keeps 11 stories out (17 and 170-179).
    (cluster.tmp / "site" / "robots.txt").write_text("User-agent: *\nDisallow: /story-17\n")
    allowed = STORIES - 11
    try:
        write_sources(cluster.tmp, server, "stories")
        cluster.start_workers(2)
        done = enqueue(cluster, "stories")
        assert done.returncode == 0, done.stderr
        (run,) = json.loads(done.stdout)
        fetched = stories_fetched(server)
        lines = server.requests()
    finally:
        server.stop()
    assert len(fetched) == allowed and set(fetched.values()) == {1}, "every allowed page fetched once"
    assert not [path for path in fetched if path.startswith("/story-17")]
    urls = stored_urls(postgres_url)
    assert len(urls) == len(set(urls)) == allowed
    assert run["status"] == "ok" and run["stored"] == allowed and run["errors"] == 0
    assert "robots.txt forbade 11 requests" in run["message"]
    workers = run["workers"]
    assert len(workers) == 2 and all(pages > 0 for pages in workers.values()), workers
    assert sum(workers.values()) == run["pages"]
    assert run["quality"]["pages"] == allowed
    # Both workers asked the site no more at once than one crawl would (4 per host).
    assert max(int(line.split()[3]) for line in lines) <= 4
    # One run row; the run's keys are gone from Redis.
    engine = connect(postgres_url)
    with Session(engine) as session:
        assert [r["id"] for r in list_runs(session)] == [run["id"]]
        assert session.scalar(select(func.count()).select_from(Article)) == allowed
    engine.dispose()
    assert not list(cluster.redis.scan_iter(match=f"{cluster.prefix}:run:*"))


def run_through_a_fault(cluster: Cluster, postgres_url: str, fault: Callable[[], None]) -> tuple[dict, str]:
    """The story site crawled by two workers, `fault` done 40 pages into the run: the run, which ended ok
    with every story stored once, and the log of the command that followed it."""
    server = story_site(cluster.tmp, delay=0.1)
    try:
        write_sources(cluster.tmp, server, "stories")
        cluster.start_workers(2)
        following = enqueue_and_wait_for_40_pages(cluster, server)
        fault()
        out, err = following.communicate(timeout=240)
    finally:
        server.stop()
    assert following.returncode == 0, err
    (run,) = json.loads(out)
    assert run["status"] == "ok", run
    urls = stored_urls(postgres_url)
    assert len(urls) == len(set(urls)) == STORIES, "nothing lost, nothing stored twice"
    return run, err


def test_a_worker_killed_mid_crawl_loses_nothing_and_the_other_finishes(
    cluster: Cluster, postgres_url: str
) -> None:
    run, err = run_through_a_fault(
        cluster, postgres_url, lambda: os.killpg(cluster.workers[0].pid, signal.SIGKILL)
    )
    # The killed worker's requests in hand went back to the queue once its heartbeat lapsed.
    assert "stopped beating" in err and "go back to the queue" in err
    # The run's figures are what the workers reported: the killed one's last second of them is missing.
    assert len(run["workers"]) == 2 and STORIES - 30 <= run["stored"] <= STORIES


def test_a_request_taken_whose_reply_was_lost_is_crawled_and_the_run_ends(
    cluster: Cluster, postgres_url: str
) -> None:
    # Redis can run a worker's take and stop (or lose the connection) before its reply arrives: the
    # request is then noted as taken by a live worker that never got it. Here a take is made for a worker
    # and its reply thrown away, as the lost one would be.
    frontier = Frontier(cluster.url, cluster.prefix)

    def take_for_nobody() -> None:
        (run_id,) = frontier.open_runs()
        assert frontier.take(run_id, frontier.live_workers()[0]) is not None

    run_through_a_fault(cluster, postgres_url, take_for_nobody)
    assert any("taken without this worker's knowing put back" in cluster.log(i) for i in range(2))


def test_sigterm_finishes_the_pages_in_hand_and_exits_0(cluster: Cluster, postgres_url: str) -> None:
    server = story_site(cluster.tmp, delay=0.1)
    try:
        write_sources(cluster.tmp, server, "stories")
        cluster.start_workers(2)
        following = enqueue_and_wait_for_40_pages(cluster, server)
        leaving = cluster.workers[0]
        leaving.send_signal(signal.SIGTERM)
        assert leaving.wait(timeout=60) == 0
        out, err = following.communicate(timeout=240)
        fetched = stories_fetched(server)
    finally:
        server.stop()
    assert following.returncode == 0, err
    (run,) = json.loads(out)
    assert run["status"] == "ok" and len(run["workers"]) == 2
    # What the leaving worker had in hand it finished: no page fetched twice.
    assert len(fetched) == STORIES and set(fetched.values()) == {1}
    assert len(set(stored_urls(postgres_url))) == STORIES
    assert "stopping" in cluster.log(0) and "stopped" in cluster.log(0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_workers_reconnect_when_redis_restarts_mid_crawl(tmp_path: Path, postgres_url: str) -> None:
    server_binary = shutil.which("redis-server")
    if server_binary is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is not installed (NEWSDESK_REQUIRE_SERVICES=1)")
        pytest.skip("redis-server is not installed: the restart test starts one of its own")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    command = [server_binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
    command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]

    def start_redis() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: ping(port), timeout=20, what="redis-server")
        return process

    own = start_redis()
    cluster = Cluster(tmp_path, postgres_url, f"redis://127.0.0.1:{port}/0", "newsdesk")
    server = story_site(tmp_path, delay=0.1)
    try:
        write_sources(tmp_path, server, "stories")
        cluster.start_workers(2)
        following = enqueue_and_wait_for_40_pages(cluster, server)
        own.terminate()  # Redis writes its append-only file and stops
        own.wait(timeout=20)
        time.sleep(2)
        own = start_redis()
        out, err = following.communicate(timeout=240)
    finally:
        server.stop()
        cluster.stop()
        own.kill()
        own.wait()
    assert following.returncode == 0, err
    (run,) = json.loads(out)
    assert run["status"] == "ok", run
    assert len(set(stored_urls(postgres_url))) == STORIES


def ping(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_the_daemon_hands_two_sources_to_the_workers_on_schedule(cluster: Cluster, postgres_url: str) -> None:
    for seed, name in enumerate(("north", "south"), start=1):
        write_story_site(cluster.tmp / "site", 60, seed=seed, prefix=f"{name}-")
    server = Server(cluster.tmp / "site", log=cluster.tmp / "site.log")
    try:
        (cluster.tmp / "sources.toml").write_text(
            "".join(
                f'[[source]]\nname = "{name}"\nsitemaps = ["{server.base_url}/{name}-sitemap.xml"]\n'
                'schedule = "every 2s"\ntimeout = "3m"\n'
                for name in ("north", "south")
            )
        )
        cluster.start_workers(2)
        daemon = subprocess.Popen(
            [NEWSDESK, "daemon"],
            cwd=cluster.tmp,
            env=cluster.env,
            stdout=subprocess.DEVNULL,
            stderr=open(cluster.tmp / "daemon.log", "wb"),  # noqa: SIM115
        )
        engine = connect(postgres_url)

        def finished_runs() -> list[dict]:
            with Session(engine) as session:
                return [r for r in list_runs(session, limit=100) if r["status"] != "running"]

        try:
            wait_for(
                lambda: all(sum(r["source"] == s for r in finished_runs()) >= 2 for s in ("north", "south")),
                timeout=180,
                what="two finished runs of each source",
            )
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=60) == 0
        runs = finished_runs()
        engine.dispose()
        sitemaps = collections.Counter(line.split()[1] for line in server.requests() if "sitemap" in line)
    finally:
        server.stop()
    log = (cluster.tmp / "daemon.log").read_text()
    assert "handed to 2 workers" in log
    assert all(r["status"] == "ok" and r["workers"] for r in runs), runs
    for source in ("north", "south"):
        mine = sorted((r for r in runs if r["source"] == source), key=lambda r: r["started_at"])
        # A source's runs never overlap: each starts after the one before finished.
        for before, after in zip(mine, mine[1:], strict=False):
            assert after["started_at"] >= before["finished_at"]
        assert mine[0]["stored"] == 60 and all(r["stored"] == 0 for r in mine[1:])
        # Each run read the sitemap again (a run's duplicate filter is its own).
        assert sitemaps[f"/{source}-sitemap.xml"] >= len(mine)
    assert len(set(stored_urls(postgres_url))) == 120


def test_worker_and_enqueue_need_redis(tmp_path: Path, sqlite_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")} | {"NEWSDESK_DB": sqlite_url}
    no_redis = subprocess.run([NEWSDESK, "worker"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert no_redis.returncode == 2 and "--redis URL or NEWSDESK_REDIS" in no_redis.stderr
    down = subprocess.run(
        [NEWSDESK, "worker", "--redis", f"redis://:secret@127.0.0.1:{free_port()}/0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 1 and "Error: cannot reach Redis at redis://***@127.0.0.1" in down.stderr
    assert "secret" not in down.stderr and "Traceback" not in down.stderr
    (tmp_path / "sources.toml").write_text('[[source]]\nname = "a"\nfeeds = ["http://127.0.0.1:9/feed"]\n')
    enqueue = subprocess.run(
        [NEWSDESK, "crawl", "a", "--enqueue"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert enqueue.returncode == 2 and "give --redis URL" in enqueue.stderr


def test_a_run_the_workers_cannot_start_fails_with_the_reason(cluster: Cluster) -> None:
    (cluster.tmp / "sources.toml").write_text(
        '[[source]]\nname = "drawn"\nfeeds = ["http://127.0.0.1:9/feed.xml"]\nrender = true\ntimeout = "2m"\n'
    )
    cluster.env["NEWSDESK_CHROMIUM"] = str(cluster.tmp / "no-such-browser")
    cluster.start_workers(1)
    began = time.monotonic()
    done = enqueue(cluster, "drawn")
    assert done.returncode == 1
    (run,) = json.loads(done.stdout)
    assert run["status"] == "failed" and "rendering needs Chromium" in run["message"], run
    assert time.monotonic() - began < 60, "failed at once, not at the run's timeout"


def test_an_idle_worker_waits_on_redis_without_polling_it(cluster: Cluster) -> None:
    cluster.start_workers(1)
    time.sleep(2)

    def commands() -> int:
        return int(cluster.redis.info("stats")["total_commands_processed"])

    before = commands()
    time.sleep(10)
    spent = commands() - before - 1  # less this process's own INFO
    # A heartbeat (2 commands), a look at the open runs and a blocking pop every 2 s: 20 in 10 s (a
    # worker polling even once every quarter second would make 40).
    assert spent <= 25, f"{spent} Redis commands in 10 s from an idle worker"


def test_a_request_whose_queueing_failed_after_its_duplicate_check_is_queued_later(
    redis_url: tuple[str, str],
) -> None:
    # The duplicate check notes a request as seen (one Redis command) before it is queued (another). Here
    # the queueing fails, as it does when Redis goes away between the two: the run's queue key holds a
    # value of the wrong type. The request waits, and is queued once the key is usable again, not dropped
    # as a duplicate of itself.
    url, prefix = redis_url
    settings = {"NEWSDESK_REDIS": url, "NEWSDESK_REDIS_PREFIX": prefix, "NEWSDESK_RUN_ID": 7}
    crawler = get_crawler(Spider, {**settings, "NEWSDESK_WORKER_ID": "here"})
    scheduler = SharedScheduler.from_crawler(crawler)
    scheduler.open(Spider("queueing"))
    frontier = Frontier(url, prefix)
    frontier.redis.set(frontier.queue_key(7), "not a queue")
    assert scheduler.enqueue_request(Request("https://example.org/a"))  # kept, waiting
    assert scheduler.enqueue_request(Request("https://example.org/b"))  # behind it
    assert scheduler.has_pending_requests()
    frontier.redis.delete(frontier.queue_key(7))
    scheduler.flush_waiting()
    assert not scheduler.waiting
    queued = {scheduler.next_request().url, scheduler.next_request().url}  # type: ignore[union-attr]
    assert queued == {"https://example.org/a", "https://example.org/b"}
    assert scheduler.next_request() is None
    # A request seen before is still dropped.
    assert not scheduler.enqueue_request(Request("https://example.org/a"))
