"""What the stages that read or write the store share: an engine opened with the spider."""

from __future__ import annotations

from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from storage.db import connect


class DatabaseStage:
    def __init__(self, db_url: str, stats: StatsCollector):
        self.db_url = db_url
        self.stats = stats
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"{type(self).__name__} used before open_spider()")
        return self._engine

    def open_spider(self) -> None:
        self._engine = connect(self.db_url)

    def close_spider(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
