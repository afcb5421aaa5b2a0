"""The shared frontier in Redis: what the process that owns a run (the daemon, `newsdesk crawl --enqueue`)
and the workers (`newsdesk worker`, crawler.worker) say to each other. Plain redis-py, no Scrapy.

Every key starts with a prefix (NEWSDESK_REDIS_PREFIX, default "newsdesk"), so deployments and tests can
share one Redis:

    {p}:workers               set: the workers that ever registered (each alive while {p}:alive:{id} exists)
    {p}:alive:{worker}        the worker's heartbeat, expiring ALIVE_FOR seconds after its last beat
    {p}:wake:{worker}         list: a token per run announced; the worker waits on it with a blocking pop
    {p}:runs                  set: the ids of runs that workers should take part in
    {p}:run:{id}              hash: source name, sources file text, crawl settings (JSON), state, seeded
    {p}:run:{id}:requests     sorted set: the run's requests (scrapy-redis' priority queue)
    {p}:run:{id}:seen         set: fingerprints of the run's requests (scrapy-redis' dupefilter)
    {p}:run:{id}:taken:{w}    hash: requests worker w took from the queue and has not finished
    {p}:run:{id}:holders      set: the workers that took requests of the run
    {p}:run:{id}:stats        hash: worker -> its crawl stats for the run (JSON)
    {p}:host:{host}           sorted set: leases on a host's request slots, shared by all workers

A run's keys are deleted when it ends and expire on their own a day after its last activity, so what a
crashed owner leaves behind does not pile up; the next run of a source starts with empty ones, so feeds,
sitemaps and listing pages are fetched again on every run.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

ALIVE_FOR = 15  # seconds a worker counts as alive after its last heartbeat
KEEP_FOR = 86400  # seconds a run's keys outlive its last activity when nobody deletes them
RUNNING, STOPPING = "running", "stopping"

# Take the best request of the run's queue and note it as taken by this worker, in one step: a worker
# killed between the two would otherwise lose the request.
TAKE = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local id = redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], id, top[2] .. '|' .. top[1])
redis.call('SADD', KEYS[3], ARGV[1])
return {id, top[1]}
"""

# A run's requests waiting in its queue and in workers' hands, counted in one step (a worker taking the
# last queued request must not fall between the two counts).
COUNT = """
local taken = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  taken = taken + redis.call('HLEN', ARGV[1] .. worker)
end
return {redis.call('ZCARD', KEYS[1]), taken}
"""

# Requests noted as taken by a worker that does not hold them go back in the queue, in one step. A take
# whose reply was lost (Redis stopped after running it) leaves such a note, and a note left there keeps
# the run from ever being done.
GIVE_BACK_UNHELD = """
local held = {}
for _, id in ipairs(ARGV) do held[id] = true end
local entries = redis.call('HGETALL', KEYS[2])
local returned = 0
for i = 1, #entries, 2 do
  local id, value = entries[i], entries[i + 1]
  if not held[id] then
    local bar = string.find(value, '|', 1, true)
    redis.call('ZADD', KEYS[1], tonumber(string.sub(value, 1, bar - 1)), string.sub(value, bar + 1))
    redis.call('HDEL', KEYS[2], id)
    returned = returned + 1
  end
end
return returned
"""

# A lease on one of a host's request slots, if fewer than ARGV[2] are held (expired leases dropped).
LEASE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""


class FrontierUnavailable(Exception):
    """Redis cannot be reached at the configured URL."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def default_prefix() -> str:
    return os.environ.get("NEWSDESK_REDIS_PREFIX") or "newsdesk"


@dataclass
class RunInfo:
    run_id: int
    source: str
    sources_text: str  # the sources file as the owner read it: every worker crawls the same definition
    settings: dict[str, Any]  # the crawl's Scrapy settings (crawler.runner.CrawlJob.settings)
    state: str


@dataclass
class Progress:
    seeded: bool  # a worker has queued the run's feeds, sitemaps and listing pages
    queued: int  # requests waiting in the queue
    taken: int  # requests workers are working on
    stats: dict[str, dict[str, Any]]  # each worker's crawl stats for the run
    failure: str | None = None  # why a worker's crawl of the run failed to start, the first one

    @property
    def done(self) -> bool:
        return self.seeded and not self.queued and not self.taken


class Frontier:
    def __init__(self, url: str, prefix: str | None = None):
        self.url = url
        self.prefix = prefix or default_prefix()
        # Replies as bytes: requests are pickled (scrapy-redis' serializer).
        self.redis = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        self._take = self.redis.register_script(TAKE)
        self._lease = self.redis.register_script(LEASE)
        self._count = self.redis.register_script(COUNT)
        self._give_back_unheld = self.redis.register_script(GIVE_BACK_UNHELD)

    def check(self) -> None:
        """Raises FrontierUnavailable with the reason when Redis does not answer."""
        try:
            self.redis.ping()
        except redis.RedisError as e:
            raise FrontierUnavailable(f"cannot reach Redis at {redacted(self.url)}: {e}") from None

    # -- keys ----------------------------------------------------------------------------------------

    def key(self, *parts: object) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def queue_key(self, run_id: int) -> str:
        return self.key("run", run_id, "requests")

    def seen_key(self, run_id: int) -> str:
        return self.key("run", run_id, "seen")

    def taken_key(self, run_id: int, worker: str) -> str:
        return self.key("run", run_id, "taken", worker)

    def holders_key(self, run_id: int) -> str:
        return self.key("run", run_id, "holders")

    def holders(self, run_id: int) -> list[str]:
        return sorted(text(w) for w in self.redis.smembers(self.holders_key(run_id)))

    # -- workers -------------------------------------------------------------------------------------

    def beat(self, worker: str) -> None:
        """The worker is alive (for ALIVE_FOR seconds)."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self.key("workers"), worker)
            pipe.set(self.key("alive", worker), int(time.time()), ex=ALIVE_FOR)
            pipe.execute()

    def leave(self, worker: str) -> None:
        with self.redis.pipeline() as pipe:
            pipe.srem(self.key("workers"), worker)
            pipe.delete(self.key("alive", worker), self.key("wake", worker))
            pipe.execute()

    def live_workers(self) -> list[str]:
        workers = sorted(text(w) for w in self.redis.smembers(self.key("workers")))
        beats = self.redis.mget([self.key("alive", w) for w in workers]) if workers else []
        gone = [w for w, beat in zip(workers, beats, strict=True) if beat is None]
        if gone:  # a worker that comes back adds itself again with its next beat
            self.redis.srem(self.key("workers"), *gone)
        return [w for w, beat in zip(workers, beats, strict=True) if beat is not None]

    def wait(self, worker: str, timeout: float) -> None:
        """Block until a run is announced or `timeout` seconds pass (one blocking pop, not a poll; a
        token left by another announcement only makes the next wait return at once)."""
        self.redis.blpop([self.key("wake", worker)], timeout=timeout)

    # -- runs ------------------------------------------------------------------------------------------

    def announce(self, run_id: int, source: str, sources_text: str, settings: dict[str, Any]) -> list[str]:
        """Open a run to the workers and wake them; returns the workers alive now."""
        run = self.key("run", run_id)
        with self.redis.pipeline() as pipe:
            pipe.hset(
                run,
                mapping={
                    "source": source,
                    "sources": sources_text,
                    "settings": json.dumps(settings),
                    "state": RUNNING,
                },
            )
            pipe.expire(run, KEEP_FOR)
            pipe.sadd(self.key("runs"), run_id)
            pipe.execute()
        workers = self.live_workers()
        with self.redis.pipeline() as pipe:
            for worker in workers:
                pipe.rpush(self.key("wake", worker), run_id)
                pipe.expire(self.key("wake", worker), ALIVE_FOR)
            pipe.execute()
        return workers

    def open_runs(self) -> list[int]:
        return sorted(int(r) for r in self.redis.smembers(self.key("runs")))

    def run_info(self, run_id: int) -> RunInfo | None:
        values = {text(k): text(v) for k, v in self.redis.hgetall(self.key("run", run_id)).items()}
        if "source" not in values:
            return None
        return RunInfo(
            run_id, values["source"], values["sources"], json.loads(values["settings"]), values["state"]
        )

    def state(self, run_id: int) -> str | None:
        value = self.redis.hget(self.key("run", run_id), "state")
        return text(value) if value is not None else None

    def claim_seeding(self, run_id: int, worker: str) -> bool:
        """True for the first worker to join the run: it queues the start requests."""
        return bool(self.redis.hsetnx(self.key("run", run_id), "seeder", worker))

    def seeded(self, run_id: int) -> None:
        self.redis.hset(self.key("run", run_id), "seeded", 1)

    def failed(self, run_id: int, worker: str, reason: str) -> None:
        """A worker's crawl of the run could not run (the first reason is kept)."""
        self.redis.hsetnx(self.key("run", run_id), "failed", f"{worker}: {reason}"[:1000])

    def stop(self, run_id: int) -> None:
        """Workers leave the run (its timeout passed, or its owner shuts down)."""
        self.redis.hset(self.key("run", run_id), "state", STOPPING)

    def close(self, run_id: int) -> None:
        """The run is over: its keys go."""
        run = self.key("run", run_id)
        taken = [self.taken_key(run_id, w) for w in self.holders(run_id)]
        self.redis.srem(self.key("runs"), run_id)
        self.redis.delete(
            run,
            self.queue_key(run_id),
            self.seen_key(run_id),
            self.holders_key(run_id),
            f"{run}:stats",
            *taken,
        )

    def take(self, run_id: int, worker: str) -> tuple[str, bytes] | None:
        """The run's next request (its id among the worker's taken ones, its encoded form), or None."""
        taken = self._take(
            keys=[self.queue_key(run_id), self.taken_key(run_id, worker), self.holders_key(run_id)],
            args=[worker],
        )
        if not taken:
            return None
        request_id, data = taken
        return request_id.decode(), data

    def finished(self, run_id: int, worker: str, request_ids: Iterable[str]) -> None:
        ids = list(request_ids)
        if ids:
            self.redis.hdel(self.taken_key(run_id, worker), *ids)

    def give_back(self, run_id: int, worker: str) -> int:
        """Put the requests `worker` took and did not finish back in the queue (the worker stopped or
        died); returns how many."""
        return self.give_back_unheld(run_id, worker, ())

    def give_back_unheld(self, run_id: int, worker: str, held: Iterable[str]) -> int:
        """Put the requests noted as taken by `worker` that it does not hold (`held`: the ids of those it
        does) back in the queue, in one step; returns how many."""
        return int(
            self._give_back_unheld(
                keys=[self.queue_key(run_id), self.taken_key(run_id, worker)], args=list(held)
            )
        )

    def report(self, run_id: int, worker: str, stats: dict[str, Any]) -> None:
        key = self.key("run", run_id, "stats")
        with self.redis.pipeline() as pipe:
            pipe.hset(key, worker, json.dumps(stats, default=str))
            pipe.expire(key, KEEP_FOR)
            pipe.execute()

    def progress(self, run_id: int) -> Progress:
        run = self.key("run", run_id)
        taken_keys = [self.taken_key(run_id, w) for w in self.holders(run_id)]
        queued, taken = self._count(
            keys=[self.queue_key(run_id), self.holders_key(run_id)], args=[self.taken_key(run_id, "")]
        )
        with self.redis.pipeline() as pipe:
            pipe.hget(run, "seeded")
            pipe.hgetall(f"{run}:stats")
            pipe.hget(run, "failed")
            # Keys the workers write keep living while the run goes on.
            for key in (
                self.queue_key(run_id),
                self.seen_key(run_id),
                self.holders_key(run_id),
                run,
                *taken_keys,
            ):
                pipe.expire(key, KEEP_FOR)
            seeded, stats, failed, *_ = pipe.execute()
        return Progress(
            seeded is not None,
            int(queued),
            int(taken),
            {text(k): json.loads(v) for k, v in stats.items()},
            text(failed) if failed is not None else None,
        )

    def give_back_dead(self, run_id: int) -> dict[str, int]:
        """Requests taken by workers that are no longer alive go back in the queue: {worker: count}."""
        alive = set(self.live_workers())
        returned = {}
        for worker in self.holders(run_id):
            if worker not in alive:
                count = self.give_back(run_id, worker)
                if count:
                    returned[worker] = count
        return returned

    # -- politeness ----------------------------------------------------------------------------------

    def lease_slot(self, host: str, limit: int, token: str, hold_for: float) -> bool:
        """One of `host`'s `limit` request slots for `token`, held at most `hold_for` seconds."""
        now = time.time()
        key = self.key("host", host)
        return bool(self._lease(keys=[key], args=[now, limit, now + hold_for, token, int(hold_for) + 60]))

    def release_slot(self, host: str, token: str) -> None:
        self.redis.zrem(self.key("host", host), token)


def text(value: bytes | str) -> str:
    """A Redis reply as text (the client answers bytes)."""
    return value.decode() if isinstance(value, bytes) else value


def redacted(url: str) -> str:
    """A Redis URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def merge_stats(stats: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several workers' crawl stats for one run as one: counts added up, the median body length weighed by
    each worker's pages, texts (the spool file, ...) from whichever worker has one."""
    merged: dict[str, Any] = {}
    median_weight = 0
    median_sum = 0.0
    for one in stats:
        for name, value in one.items():
            if name == "newsdesk/quality/median_body":
                pages = one.get("newsdesk/quality/pages", 0) or 0
                median_sum += value * pages
                median_weight += pages
            elif isinstance(value, bool) or not isinstance(value, int | float):
                merged.setdefault(name, value)
            else:
                merged[name] = merged.get(name, 0) + value
    if median_weight:
        merged["newsdesk/quality/median_body"] = int(median_sum / median_weight)
    return merged
