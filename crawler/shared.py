"""A run's crawl inside a worker (crawler.worker): scrapy-redis' scheduler on the run's shared queue, the
run's progress reported to Redis instead of the database, and each host's request slots shared by all
workers. Everything that ties newsdesk to scrapy-redis and to Scrapy's engine internals is in this module.

scrapy-redis 0.9.1 pops a request from Redis and forgets it: a worker killed before the request is done
loses it. SharedQueue notes each request it hands out under the worker's name in the same Redis step
(crawler.frontier.TAKE); WorkerRun clears the note once Scrapy is done with the request, and whoever sees
the worker gone puts what it still held back. Scrapy has no public hook for "done with a request" yet
(scrapy/scrapy#7978, "Support crash-tolerant crawls"): WorkerRun reads the engine slot's in-progress set.
scrapy-redis also lets a Redis error end the crawl (rmax/scrapy-redis#108): here a request waits instead.
"""

from __future__ import annotations

import functools
import logging
import uuid
from urllib.parse import urlsplit

import redis
from scrapy import Request, Spider, signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.frontier import RUNNING, Frontier
from crawler.items import start_queued

logger = logging.getLogger(__name__)

REPORT_EVERY = 1.0  # seconds between a worker's reports of a run (stats to Redis, finished requests)
SLOT_WAIT = 0.05  # seconds between tries for a host's request slot held by other workers

# The engine asks its scheduler for requests when one finishes, and otherwise every 5 s: a worker whose own
# requests are done would look at the shared queue, which other workers fill, only that often. Scrapy
# reads this class attribute when a crawl starts; the worker sets it lower for its crawls.
ENGINE_POLL = 1.0


def poll_shared_queue_often() -> None:
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = ENGINE_POLL  # type: ignore[attr-defined]


def frontier_of(crawler: Crawler) -> Frontier:
    """The crawl's Frontier: one for all the crawls of the worker (one pool of Redis connections)."""
    url = crawler.settings.get("NEWSDESK_REDIS")
    if not url:
        raise NotConfigured("not a worker's crawl: NEWSDESK_REDIS is not set")
    return shared_frontier(url, crawler.settings.get("NEWSDESK_REDIS_PREFIX"))


@functools.cache
def shared_frontier(url: str, prefix: str | None) -> Frontier:
    return Frontier(url, prefix)


class SharedQueue(PriorityQueue):
    """The run's queue in Redis; each request handed out is noted as taken by this worker."""

    def __init__(self, frontier: Frontier, spider: Spider, run_id: int, worker: str):
        super().__init__(frontier.redis, spider, frontier.queue_key(run_id), picklecompat)
        self.frontier = frontier
        self.run_id = run_id
        self.worker = worker
        self.taken: dict[Request, str] = {}  # handed out, not yet finished: request -> its id in Redis

    def pop(self, timeout: int = 0) -> Request | None:
        try:
            taken = self.frontier.take(self.run_id, self.worker)
        except redis.RedisError as e:
            logger.warning("run %d: Redis unavailable, no request taken: %s", self.run_id, e)
            return None
        if taken is None:
            return None
        request_id, data = taken
        request = self._decode_request(data)
        self.taken[request] = request_id
        return request


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler on the run's own keys (crawler.frontier), kept when a worker leaves the run:
    the run's owner deletes them when the run is over."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        frontier = frontier_of(crawler)
        run_id = crawler.settings.getint("NEWSDESK_RUN_ID")
        scheduler = cls(
            server=frontier.redis,
            persist=True,
            queue_key=frontier.queue_key(run_id),
            dupefilter=RFPDupeFilter(frontier.redis, frontier.seen_key(run_id)),
            dupefilter_key=frontier.seen_key(run_id),
            serializer=picklecompat,
        )
        scheduler.stats = crawler.stats
        scheduler.frontier = frontier  # type: ignore[attr-defined]
        scheduler.run_id = run_id  # type: ignore[attr-defined]
        scheduler.worker = crawler.settings.get("NEWSDESK_WORKER_ID")  # type: ignore[attr-defined]
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = SharedQueue(self.frontier, spider, self.run_id, self.worker)  # type: ignore[attr-defined]
        # Requests to queue when Redis answers again, each with whether its duplicate check may have been
        # made: then it is queued without one (the check notes the request as seen, and a second check
        # would drop it as a duplicate of itself).
        self.waiting: list[tuple[Request, bool]] = []

    def close(self, reason: str) -> None:
        """Nothing is deleted: other workers may still be crawling the run."""
        if self.waiting:
            self.flush_waiting()
        if self.waiting:
            logger.error(
                "run %d: %d requests could not be queued: Redis unavailable", self.run_id, len(self.waiting)
            )  # type: ignore[attr-defined]

    def enqueue_request(self, request: Request) -> bool:
        """Queue the request in Redis; while Redis does not answer, it waits here (and keeps the crawl
        open) to be queued when it does."""
        if self.waiting:
            self.flush_waiting()
        if self.waiting:
            self.waiting.append((request, False))
            return True
        try:
            return self.push(request)
        except redis.RedisError as e:
            logger.warning("Redis unavailable, %s waits to be queued: %s", request.url, e)
            self.waiting.append((request, True))
            return True

    def push(self, request: Request, check: bool = True) -> bool:
        """scrapy-redis' enqueue_request (the duplicate check unless `check` is false), without the
        `spider=` argument to the stats that it still passes (deprecated since Scrapy 2.13)."""
        if check and not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def flush_waiting(self) -> None:
        while self.waiting:
            request, checked = self.waiting[0]
            try:
                self.push(request, check=not checked)
            except redis.RedisError:
                self.waiting[0] = (request, True)
                return
            self.waiting.pop(0)

    def next_request(self) -> Request | None:
        if self.waiting:
            self.flush_waiting()
        request: Request | None = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.waiting:
            return True
        try:
            return len(self.queue) > 0
        except redis.RedisError:
            return True  # unknown: the crawl stays open until Redis answers


class WorkerRun:
    """One worker's part of a run: its stats to Redis every REPORT_EVERY seconds and when it leaves; the
    requests it finished cleared from its taken ones; it stays while other workers may queue more, and
    leaves when the run is done or its owner stops it."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.frontier = frontier_of(crawler)
        self.run_id = crawler.settings.getint("NEWSDESK_RUN_ID")
        self.worker = crawler.settings.get("NEWSDESK_WORKER_ID")
        self.loop: task.LoopingCall | None = None
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerRun:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.start_queued, signal=start_queued)
        return extension

    def start_queued(self) -> None:
        self.frontier.seeded(self.run_id)

    @property
    def queue(self) -> SharedQueue | None:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        return getattr(scheduler, "queue", None)

    def spider_opened(self) -> None:
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(REPORT_EVERY, now=False)

    def tick(self) -> None:
        try:
            self.clear_finished()
            self.give_back_unheld()
            self.report()
            if self.frontier.state(self.run_id) != RUNNING and not self.closing:
                self.closing = True
                logger.info("run %d was stopped by its owner: leaving it", self.run_id)
                assert self.crawler.engine is not None
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="stopped"))
        except Exception as e:  # Redis went away for a moment: the next tick tries again
            logger.warning("run %d: cannot report to Redis: %s", self.run_id, e)

    def clear_finished(self) -> None:
        """Requests Scrapy is done with (their response's items stored, their links queued): the engine
        holds a request in its slot's `inprogress` set from the scheduler's hand-out until then; no signal
        marks that moment (scrapy/scrapy#7978)."""
        queue = self.queue
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if queue is None or slot is None:
            return
        in_progress = slot.inprogress
        done = [request for request in queue.taken if request not in in_progress]
        if done:
            self.frontier.finished(self.run_id, self.worker, [queue.taken[r] for r in done])
            for request in done:  # forgotten here once Redis has them done, not before
                del queue.taken[request]

    def give_back_unheld(self) -> None:
        """Requests noted in Redis as taken by this worker that it does not hold go back in the queue: a
        take that Redis ran but whose reply was lost (Redis stopped or the connection broke) leaves one,
        and the run would never be done. (The hand-out and its note here happen in one step of the
        reactor's thread, as this does: a request being handed out is never taken for lost.)"""
        queue = self.queue
        if queue is None:
            return
        returned = self.frontier.give_back_unheld(self.run_id, self.worker, queue.taken.values())
        if returned:
            logger.warning(
                "run %d: %d requests taken without this worker's knowing put back", self.run_id, returned
            )

    def report(self, reason: str | None = None) -> None:
        assert self.crawler.stats is not None
        stats = {
            k: v
            for k, v in self.crawler.stats.get_stats().items()
            if isinstance(v, int | float | str) and not isinstance(v, bool)
        }
        if reason is not None:
            stats["newsdesk/left_because"] = reason
        self.frontier.report(self.run_id, self.worker, stats)

    def spider_idle(self) -> None:
        """The worker has nothing in hand: it stays (polling the shared queue) while another worker may
        still queue requests of the run."""
        try:
            self.clear_finished()
            if self.closing or self.frontier.state(self.run_id) != RUNNING:
                return
            done = self.frontier.progress(self.run_id).done
        except redis.RedisError as e:
            logger.warning("run %d: Redis unavailable, waiting for it: %s", self.run_id, e)
            raise DontCloseSpider from None
        if not done:
            raise DontCloseSpider

    def spider_closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            self.clear_finished()
            returned = self.frontier.give_back(self.run_id, self.worker)
            if returned:
                logger.info("run %d: %d unfinished requests put back in the queue", self.run_id, returned)
            self.report(reason)
        except Exception as e:
            logger.warning("run %d: cannot report to Redis when leaving: %s", self.run_id, e)


class SharedPoliteness:
    """A host's request slots (CONCURRENT_REQUESTS_PER_DOMAIN) are shared by every worker: a request waits
    for a free one before it goes out, so N workers ask a site no more at once than one crawl does. A
    slot is held until the response or error comes back, and at most the download timeout and 10 s
    if its worker dies."""

    def __init__(self, crawler: Crawler):
        self.frontier = frontier_of(crawler)
        self.limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1
        self.hold_for = crawler.settings.getfloat("DOWNLOAD_TIMEOUT") + 10.0
        self.redis_down = False
        self.unreleased: list[tuple[str, str]] = []  # slots to give up once Redis answers again

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPoliteness:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        token = uuid.uuid4().hex
        from twisted.internet import reactor  # installed by then (crawler.worker installs it first)

        while not self.leased(host, token):
            await deferred_to_future(task.deferLater(reactor, SLOT_WAIT, lambda: None))
        request.meta["newsdesk_slot"] = (host, token)

    def leased(self, host: str, token: str) -> bool:
        """A slot is free and now held; False also while Redis does not answer (the request waits)."""
        try:
            while self.unreleased:
                self.frontier.release_slot(*self.unreleased[-1])
                self.unreleased.pop()
            leased = self.frontier.lease_slot(host, self.limit, token, self.hold_for)
            self.redis_down = False
            return leased
        except redis.RedisError as e:
            if not self.redis_down:
                logger.warning("Redis unavailable, requests wait for it: %s", e)
            self.redis_down = True
            return False

    def process_response(self, request: Request, response: Response) -> Response:
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self.release(request)

    def release(self, request: Request) -> None:
        held = request.meta.pop("newsdesk_slot", None)
        if held is not None:
            try:
                self.frontier.release_slot(*held)
            except redis.RedisError:
                self.unreleased.append(held)
