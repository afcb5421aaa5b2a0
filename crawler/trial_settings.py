"""Settings of a trial crawl (`newsdesk try`, `newsdesk fetch`): a crawl's settings, but what it finds is
reported (crawler.extensions.TrialLog) instead of stored, feeds are read in full (no conditional GET) and
no page is captured. The crawl's own database is a scratch file that crawler.trial deletes afterwards."""

from __future__ import annotations

from crawler.settings import *  # noqa: F403
from crawler.settings import DOWNLOADER_MIDDLEWARES as CRAWL_DOWNLOADER_MIDDLEWARES
from crawler.settings import EXTENSIONS as CRAWL_EXTENSIONS

NEWSDESK_TRIAL_OUTPUT = ""  # the JSON lines file TrialLog writes (set by crawler.trial)
NEWSDESK_EXTRACT_WORKERS = 0  # a few pages: no worker processes to start

ITEM_PIPELINES = {"pipelines.clean.CleanPipeline": 100}
# (The RunRecorder stays out by itself: a trial has no run record.)
EXTENSIONS = {**CRAWL_EXTENSIONS, "crawler.extensions.TrialLog": 500}
DOWNLOADER_MIDDLEWARES = {
    name: order
    for name, order in CRAWL_DOWNLOADER_MIDDLEWARES.items()
    if name not in ("crawler.middlewares.ConditionalGetMiddleware", "crawler.capture.CaptureMiddleware")
}
