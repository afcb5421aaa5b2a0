"""Log lines that name an item by its URL instead of dumping it (a page's HTML is not a log line)."""

from __future__ import annotations

from typing import Any

from scrapy import logformatter
from scrapy.http import Response
from scrapy.spiders import Spider
from twisted.python.failure import Failure


def _describe(item: Any) -> str:
    return str(getattr(item, "url", None) or type(item).__name__)


class LogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> Any:
        entry = super().scraped(item, response, spider)
        entry["msg"] = "Scraped %(item)s"
        entry["args"] = {"item": _describe(item)}
        return entry

    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> Any:
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def item_error(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> Any:
        entry = super().item_error(item, exception, response, spider)
        entry["args"] = {"item": _describe(item)}
        return entry
