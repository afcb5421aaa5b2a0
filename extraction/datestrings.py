"""Date strings read as datetimes (dateutil): what the crawl's spider reads of a feed or sitemap entry,
and the extractor of a page's stated dates, without loading the extractor."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil import parser as dateparser


def parse_date(text: str | None) -> datetime | None:
    """An ISO or human date string -> naive UTC datetime (dates without a zone are taken as UTC)."""
    return as_utc(parse_zoned_date(text))


def parse_zoned_date(text: str | None) -> datetime | None:
    """An ISO or human date string -> datetime, aware when the string gives a zone, else naive."""
    if not text or not text.strip():
        return None
    try:
        value = dateparser.parse(text.strip(), fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if value is None or not 1990 <= value.year <= 2100:
        return None
    return value


def as_utc(value: datetime | None) -> datetime | None:
    """Naive UTC; a naive value is taken as UTC already."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
