"""Scrapy settings for newsdesk; every newsdesk-specific name carries the NEWSDESK_ prefix."""

from __future__ import annotations

import os

from scrapy.settings.default_settings import EXTENSIONS_BASE as SCRAPY_EXTENSIONS

from extraction import DEFAULT_TIME_LIMIT, MAX_PAGE_BYTES

BOT_NAME = "newsdesk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where articles go and which sources exist (the newsdesk command passes the sources file with -s).
# The database URL comes through the environment, not the command line, where `ps` would show its
# password to every user of the machine.
NEWSDESK_DB = os.environ.get("NEWSDESK_DB") or "sqlite:///newsdesk.db"
NEWSDESK_SOURCES = "sources.toml"
# Where fetched pages are kept in WARC files (storage.capture: by default beside a SQLite database).
NEWSDESK_CAPTURE = os.environ.get("NEWSDESK_CAPTURE") or None
# The crawl's source (a crawler.sources.Source): set by the spider from NEWSDESK_SOURCES and its
# `source` argument, read by the middlewares and pipelines.
NEWSDESK_SOURCE = None
# crawl_runs row that this crawl reports into (set by the runner; unset for a bare `scrapy crawl`).
NEWSDESK_RUN_ID = 0
# Pages per run when the source does not say; the runner passes the source's own value.
NEWSDESK_MAX_PAGES = 500
# Worker processes that extract pages while the crawl goes on fetching: -1 one per core, 0 none (in the
# crawl process itself).
NEWSDESK_EXTRACT_WORKERS = -1
# Seconds one page may take to extract before it is given up as an error of the run (0: no limit).
NEWSDESK_EXTRACT_TIME_LIMIT = os.environ.get("NEWSDESK_EXTRACT_TIME_LIMIT") or DEFAULT_TIME_LIMIT
# "on" or "auto": render article pages through a browser whatever the source says (`newsdesk fetch --render`).
NEWSDESK_RENDER = ""
# How often the run row's counters are refreshed while the crawl goes on (seconds).
NEWSDESK_PROGRESS_INTERVAL = 2.0

USER_AGENT = "newsdesk/0.1 (news archiver; Scrapy)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = MAX_PAGE_BYTES  # decompressed, as `newsdesk extract` reads saved pages
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 2
# A 429/503 with Retry-After is retried after the time asked, when that is at most this many seconds.
NEWSDESK_RETRY_AFTER_MAX = 60.0
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.store.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.CrawlDatabase": 100,
    "crawler.extensions.ItemErrors": 200,
    "crawler.extensions.LogLevel": 300,
    "crawler.extensions.RunRecorder": 500,
}
# Remote consoles into a running crawl (remote control, telnet), left out of Scrapy's own extensions:
# Scrapy imports every extension it is given, even one set to None, to name it (aiohttp and
# twisted.conch, ~0.15 s at the start of each crawl).
CONSOLES = ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")
EXTENSIONS_BASE = {name: order for name, order in SCRAPY_EXTENSIONS.items() if name not in CONSOLES}

LOG_LEVEL = "INFO"
# Scrapy's check of each callback for a generator that returns a value reads the callback's source and
# parses it for every response (its cache is keyed weakly on the bound method, made anew for each
# request): 2.3% of the crawl process. The spiders are the project's own, checked by its tests.
WARN_ON_GENERATOR_RETURN_VALUE = False
FEED_EXPORT_ENCODING = "utf-8"

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.ArticleRequestsMiddleware": 50,
    # Listing depth is the source's own `follow_depth` (crawler.spiders.news); Scrapy's depth bookkeeping
    # went over every request a sitemap or feed gives (~2.5% of the crawl process).
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.addresses.PrivateAddressMiddleware": 40,
    "crawler.middlewares.SourceRequestMiddleware": 45,
    "crawler.middlewares.KnownRedirectsMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    "crawler.middlewares.ConditionalGetMiddleware": 60,
    # Next to the downloader: it sees the responses as received (before decompression and redirects).
    "crawler.capture.CaptureMiddleware": 950,
    # After decompression (590): reads the start of the body.
    "crawler.middlewares.BotWallMiddleware": 580,
}
LOG_FORMATTER = "crawler.logformatter.LogFormatter"
# Duplicates and pages without an article are routine, not warnings.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
