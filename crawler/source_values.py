"""What each key of a source may hold: every value of sources.toml is checked here, and a wrong one is
reported with what is expected (crawler.sources names the source and the file)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EVERY_RE = re.compile(r"^every\s+(\d+)\s*([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_DURATION = 3650 * 86400  # ten years: longer is a typo, and past what timers and dates hold
# A group holding a repeat, itself repeated: (x+)+, (a|a*)*, (\w+\s?)+ -- catastrophic backtracking.
NESTED_QUANTIFIER_RE = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)")

DURATION_KEYS = {
    "timeout": 1,
    "jitter": 0,
    "misfire_grace": 1,
    "download_timeout": 1,
}  # key -> smallest allowed seconds
# Durations that may be left out or written as "never" (no refresh, no age limit); key -> smallest
# allowed seconds ("0s": stored articles are fetched again on every run).
OPTIONAL_DURATION_KEYS = {"refresh_after": 0, "max_age": 60, "keep_capture": 3600}
LIST_KEYS = ("feeds", "sitemaps", "start_urls", "allow", "deny", "keep_params", "domains")
HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
RENDER_MODES = {False: "off", True: "on", "auto": "auto"}  # `render` as written -> Source.render
MAX_RENDER_WAIT = 60  # seconds
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP token
NEVER = -1  # what "never" reads as for an optional duration; None on the Source


@dataclass(frozen=True)
class Schedule:
    """A 5-field cron expression or a fixed interval in seconds (exactly one is set)."""

    cron: str | None = None
    every: int | None = None
    text: str = ""  # as written in the file

    def __str__(self) -> str:
        return self.text or (self.cron if self.cron is not None else f"every {self.every}s")


def parse_duration(text: str, minimum: int = 1) -> int:
    """'90s', '15m', '2h', '3d', '1w' (optionally prefixed by 'every ') -> seconds; ValueError otherwise."""
    m = EVERY_RE.match(text.strip() if text.strip().startswith("every") else f"every {text.strip()}")
    seconds = int(m.group(1)) * UNIT_SECONDS[m.group(2)] if m and len(m.group(1)) <= 12 else -1
    if not minimum <= seconds <= MAX_DURATION:
        raise ValueError(
            f"{text!r} is not a duration like '90s', '15m', '2h' or '3d' "
            f"(at least {minimum}s, at most {MAX_DURATION // 86400}d)"
        )
    return seconds


def parse_schedule(text: str) -> Schedule:
    """A 5-field cron expression or 'every N s|m|h'; ValueError with the reason otherwise."""
    from apscheduler.triggers.cron import CronTrigger

    text = text.strip()
    if text.startswith("every"):
        if not EVERY_RE.match(text):
            raise ValueError(f"{text!r} is not an interval like 'every 90s', 'every 15m' or 'every 2h'")
        return Schedule(every=parse_duration(text), text=text)
    if len(text.split()) != 5:
        raise ValueError(f"{text!r} is neither a 5-field cron expression nor 'every N s|m|h'")
    try:
        trigger = CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as e:
        raise ValueError(f"{text!r} is not a valid cron expression: {e}") from e
    if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
        raise ValueError(f"{text!r} never fires (no such date)")
    return Schedule(cron=text, text=text)


class Invalid(ValueError):
    """A key's value is wrong; the message says how, after the source's name."""


def _check_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"'{key}' must be a list of strings")
    for item in value:
        if key in ("allow", "deny"):
            try:
                re.compile(item)
            except re.error as e:
                raise Invalid(f"'{key}' has a bad regex {item!r}: {e}") from None
            if NESTED_QUANTIFIER_RE.search(item):
                raise Invalid(
                    f"'{key}' has {item!r}: a repeated group that holds a repeat, e.g. (x+)+, can take "
                    "exponential time on some URLs; write it without the nesting"
                )
        elif key == "domains":
            if not HOST_RE.match(item.lower()):
                raise Invalid(f"'domains' has {item!r}, which is not a host name like 'example.com'")
        elif key != "keep_params":
            try:
                parts = urlsplit(item)
                parts.port  # noqa: B018 -- raises for a port out of range ("http://host:99999/")
            except ValueError as e:
                raise Invalid(f"'{key}' has {item!r}, which is not a URL: {e}") from None
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise Invalid(f"'{key}' has {item!r}, which is not an http(s) URL")
    return value


def _check_schedule(key: str, value: Any) -> Schedule:
    if not isinstance(value, str):
        raise Invalid("'schedule' must be a string")
    try:
        return parse_schedule(value)
    except ValueError as e:
        raise Invalid(f"'schedule' {e}") from None


def _check_duration(key: str, value: Any) -> int:
    if key in OPTIONAL_DURATION_KEYS and value == "never":
        return NEVER
    minimum = DURATION_KEYS.get(key, OPTIONAL_DURATION_KEYS.get(key, 1))
    never = ", or 'never'" if key in OPTIONAL_DURATION_KEYS else ""
    if not isinstance(value, str):
        raise Invalid(f"'{key}' must be a duration string like '90s', '15m' or '2h'{never}, not {value!r}")
    try:
        return parse_duration(value, minimum)
    except ValueError as e:
        raise Invalid(f"'{key}' {e}") from None


def _check_timezone(key: str, value: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise Invalid(f"'timezone' {value!r} is not a time zone name like 'Europe/Berlin'") from None
    return str(value)


def _check_count(key: str, value: Any) -> int:
    minimum = 1 if key in ("max_pages", "max_listing_pages") else 0
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Invalid(f"'{key}' must be an integer >= {minimum}")
    return value


def _check_proxy(key: str, value: Any) -> list[str]:
    proxies = [value] if isinstance(value, str) else value
    if not isinstance(proxies, list) or not proxies or not all(isinstance(v, str) for v in proxies):
        raise Invalid(f"'{key}' must be a proxy URL or a list of them")
    for i, url in enumerate(proxies, start=1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # Not shown: a proxy URL often holds a password.
            raise Invalid(
                f"'{key}' #{i} must be an http:// or https:// proxy URL (http://user:pass@host:port)"
            )
    return proxies


def _check_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
        raise Invalid(f"'{key}' must be a non-empty string on one line")
    return value


def _check_pairs(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Invalid(f"'{key}' must be a table of names to strings, e.g. {key} = {{ name = \"value\" }}")
    for name, text in value.items():
        if not HEADER_NAME_RE.match(name) or any(c in text for c in "\r\n\0"):
            raise Invalid(f"'{key}' has a bad name or value for {name!r} (one line, a plain name)")
        if key == "headers" and name.lower() in ("host", "cookie", "content-length", "proxy-authorization"):
            raise Invalid(f"'{key}' may not set {name} (use 'cookies' and 'proxy' for those)")
    return dict(value)


def _check_render(key: str, value: Any) -> str:
    if isinstance(value, bool) or value == "auto":
        return RENDER_MODES[value]
    raise Invalid(f"'{key}' must be true, false or \"auto\"")


def _check_render_wait(key: str, value: Any) -> int | str:
    """A duration ("2s": wait that long after loading) or a CSS selector (wait until it is on the page)."""
    text = _check_text(key, value)
    try:
        seconds = parse_duration(text, minimum=0)
    except ValueError:
        return text.strip()  # a selector: the browser reports a bad one when it is used
    if seconds > MAX_RENDER_WAIT:
        raise Invalid(f"'{key}' may wait at most {MAX_RENDER_WAIT}s")
    return seconds


def _check_flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"'{key}' must be true or false")
    return value


CHECKS: dict[str, Callable[[str, Any], Any]] = {
    **dict.fromkeys(LIST_KEYS, _check_list),
    **dict.fromkeys([*DURATION_KEYS, *OPTIONAL_DURATION_KEYS], _check_duration),
    "schedule": _check_schedule,
    "timezone": _check_timezone,
    "max_pages": _check_count,
    "max_listing_pages": _check_count,
    "follow_depth": _check_count,
    "obey_robots": _check_flag,
    "capture": _check_flag,
    "proxy": _check_proxy,
    "user_agent": _check_text,
    "headers": _check_pairs,
    "cookies": _check_pairs,
    "render": _check_render,
    "render_wait": _check_render_wait,
}


def check_value(where: str, key: str, value: Any, problems: list[str]) -> Any:
    """Validate one key's value; append a problem and return None when it is wrong."""
    check = CHECKS.get(key)
    if check is None:
        return value
    try:
        return check(key, value)
    except Invalid as e:
        problems.append(f"{where}: {e}")
        return None
