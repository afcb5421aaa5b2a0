"""Load and validate sources.toml: every problem is reported, each naming the source and the key."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tldextract

NAME_RE = re.compile(r"^[a-z0-9_-]+$")
EVERY_RE = re.compile(r"^every\s+(\d+)\s*([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_DURATION = 3650 * 86400  # ten years: longer is a typo, and past what timers and dates hold
# A group holding a repeat, itself repeated: (x+)+, (a|a*)*, (\w+\s?)+ -- catastrophic backtracking.
NESTED_QUANTIFIER_RE = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)")

DEFAULTS: dict[str, Any] = {
    "schedule": "*/30 * * * *",
    "max_pages": 500,
    "max_listing_pages": 100,
    "obey_robots": True,
    "follow_depth": 1,
    "timeout": "1h",
    "timezone": "UTC",
    "jitter": "0s",
    "misfire_grace": "5m",
    "download_timeout": "30s",
    "capture": True,
}
DURATION_KEYS = {
    "timeout": 1,
    "jitter": 0,
    "misfire_grace": 1,
    "download_timeout": 1,
}  # key -> smallest allowed seconds
# Durations that may be left out or written as "never" (no refresh, no age limit); key -> smallest
# allowed seconds ("0s": stored articles are fetched again on every run).
OPTIONAL_DURATION_KEYS = {"refresh_after": 0, "max_age": 60, "keep_capture": 3600}
DEFAULT_KEYS = {*DEFAULTS, *OPTIONAL_DURATION_KEYS}
LIST_KEYS = ("feeds", "sitemaps", "start_urls", "allow", "deny", "keep_params", "domains")
HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
# Registrable domains from the public suffix list bundled with tldextract (no download, no cache files).
_SITES = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())
# How the source's requests go out: through which proxies, as which browser, with which headers and cookies.
REQUEST_KEYS = ("proxy", "user_agent", "headers", "cookies", "render", "render_wait")
SOURCE_KEYS = {"name", *LIST_KEYS, *DEFAULT_KEYS, *REQUEST_KEYS}
RENDER_MODES = {False: "off", True: "on", "auto": "auto"}
MAX_RENDER_WAIT = 60  # seconds
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP token


NEVER = -1  # what "never" reads as for an optional duration; None on the Source


class SourcesError(Exception):
    """The sources file is missing, unreadable or invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Schedule:
    """A 5-field cron expression or a fixed interval in seconds (exactly one is set)."""

    cron: str | None = None
    every: int | None = None
    text: str = ""  # as written in the file

    def __str__(self) -> str:
        return self.text or (self.cron if self.cron is not None else f"every {self.every}s")


@dataclass(frozen=True)
class Source:
    name: str
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    follow_depth: int = 1
    schedule: Schedule = Schedule(cron="*/30 * * * *")
    max_pages: int = 500
    max_listing_pages: int = 100  # listing pages (start_urls and the links followed from them) read per run
    obey_robots: bool = True
    timeout: int = 3600  # seconds a run may take before it is killed
    timezone: str = "UTC"  # the zone cron expressions are read in
    jitter: int = 0  # seconds of random delay added to each run (spreads sources that share a schedule)
    misfire_grace: int = 300  # a run this many seconds late (daemon busy or down) still happens, once
    download_timeout: int = 30  # seconds one request may take (then retried, then counted as an error)
    keep_params: list[str] = field(default_factory=list)  # query parameters that name an article here
    extra_domains: list[str] = field(default_factory=list)  # other sites its articles live on
    refresh_after: int | None = None  # seconds after which a stored article is fetched again
    max_age: int | None = None  # feed/sitemap entries dated older than this many seconds are not fetched
    capture: bool = True  # article pages as fetched kept in WARC files (crawler.capture)
    keep_capture: int | None = None  # seconds the WARC files are kept (None: always)
    proxy: list[str] = field(default_factory=list)  # proxies its requests go through, one after the other
    user_agent: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request of the source
    cookies: dict[str, str] = field(default_factory=dict)  # e.g. a consent cookie
    # Article pages fetched through a browser (crawler.rendering): "off", "on", or "auto" (only pages whose
    # plain fetch gave no article text); after loading, wait `render_wait` seconds or for a CSS selector.
    render: str = "off"
    render_wait: int | str | None = None

    def __repr__(self) -> str:  # proxies and cookies may hold secrets: never in a log line
        return f"Source({self.name!r})"

    @property
    def domains(self) -> list[str]:
        """The sites the source's URLs live on (feeds.example.com -> example.com, so its articles on
        www.example.com are in), and its `domains`: links to other hosts are not followed."""
        hosts = {urlsplit(u).hostname or "" for u in (*self.feeds, *self.sitemaps, *self.start_urls)}
        sites = {_SITES(h).top_domain_under_public_suffix or h for h in hosts if h}
        return sorted(sites | set(self.extra_domains))


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


class _Invalid(ValueError):
    """A key's value is wrong; the message says how, after the source's name."""


def _check_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"'{key}' must be a list of strings")
    for item in value:
        if key in ("allow", "deny"):
            try:
                re.compile(item)
            except re.error as e:
                raise _Invalid(f"'{key}' has a bad regex {item!r}: {e}") from None
            if NESTED_QUANTIFIER_RE.search(item):
                raise _Invalid(
                    f"'{key}' has {item!r}: a repeated group that holds a repeat, e.g. (x+)+, can take "
                    "exponential time on some URLs; write it without the nesting"
                )
        elif key == "domains":
            if not HOST_RE.match(item.lower()):
                raise _Invalid(f"'domains' has {item!r}, which is not a host name like 'example.com'")
        elif key != "keep_params":
            try:
                parts = urlsplit(item)
                parts.port  # noqa: B018 -- raises for a port out of range ("http://host:99999/")
            except ValueError as e:
                raise _Invalid(f"'{key}' has {item!r}, which is not a URL: {e}") from None
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _Invalid(f"'{key}' has {item!r}, which is not an http(s) URL")
    return value


def _check_schedule(key: str, value: Any) -> Schedule:
    if not isinstance(value, str):
        raise _Invalid("'schedule' must be a string")
    try:
        return parse_schedule(value)
    except ValueError as e:
        raise _Invalid(f"'schedule' {e}") from None


def _check_duration(key: str, value: Any) -> int:
    if key in OPTIONAL_DURATION_KEYS and value == "never":
        return NEVER
    minimum = DURATION_KEYS.get(key, OPTIONAL_DURATION_KEYS.get(key, 1))
    never = ", or 'never'" if key in OPTIONAL_DURATION_KEYS else ""
    if not isinstance(value, str):
        raise _Invalid(f"'{key}' must be a duration string like '90s', '15m' or '2h'{never}, not {value!r}")
    try:
        return parse_duration(value, minimum)
    except ValueError as e:
        raise _Invalid(f"'{key}' {e}") from None


def _check_timezone(key: str, value: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _Invalid(f"'timezone' {value!r} is not a time zone name like 'Europe/Berlin'") from None
    return str(value)


def _check_count(key: str, value: Any) -> int:
    minimum = 1 if key in ("max_pages", "max_listing_pages") else 0
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _Invalid(f"'{key}' must be an integer >= {minimum}")
    return value


def _check_proxy(key: str, value: Any) -> list[str]:
    proxies = [value] if isinstance(value, str) else value
    if not isinstance(proxies, list) or not proxies or not all(isinstance(v, str) for v in proxies):
        raise _Invalid(f"'{key}' must be a proxy URL or a list of them")
    for i, url in enumerate(proxies, start=1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # Not shown: a proxy URL often holds a password.
            raise _Invalid(
                f"'{key}' #{i} must be an http:// or https:// proxy URL (http://user:pass@host:port)"
            )
    return proxies


def _check_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
        raise _Invalid(f"'{key}' must be a non-empty string on one line")
    return value


def _check_pairs(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Invalid(f"'{key}' must be a table of names to strings, e.g. {key} = {{ name = \"value\" }}")
    for name, text in value.items():
        if not HEADER_NAME_RE.match(name) or any(c in text for c in "\r\n\0"):
            raise _Invalid(f"'{key}' has a bad name or value for {name!r} (one line, a plain name)")
        if key == "headers" and name.lower() in ("host", "cookie", "content-length", "proxy-authorization"):
            raise _Invalid(f"'{key}' may not set {name} (use 'cookies' and 'proxy' for those)")
    return dict(value)


def _check_render(key: str, value: Any) -> str:
    if isinstance(value, bool) or value == "auto":
        return RENDER_MODES[value]
    raise _Invalid(f"'{key}' must be true, false or \"auto\"")


def _check_render_wait(key: str, value: Any) -> int | str:
    """A duration ("2s": wait that long after loading) or a CSS selector (wait until it is on the page)."""
    text = _check_text(key, value)
    try:
        seconds = parse_duration(text, minimum=0)
    except ValueError:
        return text.strip()  # a selector: the browser reports a bad one when it is used
    if seconds > MAX_RENDER_WAIT:
        raise _Invalid(f"'{key}' may wait at most {MAX_RENDER_WAIT}s")
    return seconds


def _check_flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"'{key}' must be true or false")
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


def _check_value(where: str, key: str, value: Any, problems: list[str]) -> Any:
    """Validate one key's value; append a problem and return None when it is wrong."""
    check = CHECKS.get(key)
    if check is None:
        return value
    try:
        return check(key, value)
    except _Invalid as e:
        problems.append(f"{where}: {e}")
        return None


def parse_sources(data: dict[str, Any]) -> list[Source]:
    """Validate parsed TOML; raise SourcesError listing every problem."""
    problems: list[str] = []
    defaults_raw = data.get("defaults", {})
    unknown_top = set(data) - {"defaults", "source", "alerts"}
    for key in sorted(unknown_top):
        problems.append(
            f"top level: unknown key '{key}' (expected [defaults], [[source]] and [alerts] tables)"
        )
    parse_alerts(data, problems)
    defaults: dict[str, Any] = dict(DEFAULTS)
    if not isinstance(defaults_raw, dict):
        problems.append("[defaults] must be a table")
        defaults_raw = {}
    for key, value in defaults_raw.items():
        if key not in DEFAULT_KEYS:
            problems.append(f"[defaults]: unknown key '{key}' (known: {', '.join(sorted(DEFAULT_KEYS))})")
            continue
        defaults[key] = value
    # Defaults are validated once here, so a bad default is reported once, not per source.
    resolved_defaults: dict[str, Any] = {}
    for key, value in defaults.items():
        checked = _check_value("[defaults]", key, value, problems)
        if checked is None and key in DEFAULTS:
            checked = _check_value("", key, DEFAULTS[key], [])
        resolved_defaults[key] = checked

    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        problems.append("'source' must be an array of tables: write [[source]]")
        raw_sources = []
    sources: list[Source] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_sources, start=1):
        name = raw.get("name") if isinstance(raw, dict) else None
        where = f"source '{name}'" if isinstance(name, str) else f"source #{index}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a table")
            continue
        before = len(problems)
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.append(f"{where}: 'name' is required and must match [a-z0-9_-]+")
        elif name in seen:
            problems.append(f"{where}: duplicate name (each source needs its own)")
        else:
            seen.add(name)
        values: dict[str, Any] = dict(resolved_defaults)
        for key, value in raw.items():
            if key == "name":
                continue
            if key not in SOURCE_KEYS:
                problems.append(f"{where}: unknown key '{key}' (known: {', '.join(sorted(SOURCE_KEYS))})")
                continue
            checked = _check_value(where, key, value, problems)
            if checked is not None:
                values[key] = checked
        if not any(raw.get(k) for k in ("feeds", "sitemaps", "start_urls")):
            problems.append(f"{where}: needs at least one of 'feeds', 'sitemaps', 'start_urls'")
        for key in OPTIONAL_DURATION_KEYS:
            values[key] = None if values.get(key, NEVER) == NEVER else values[key]
        values["extra_domains"] = [d.lower() for d in values.pop("domains", [])]
        if len(problems) == before:
            sources.append(Source(name=name, **values))  # type: ignore[arg-type]  # name checked above
    if problems:
        raise SourcesError(problems)
    return sources


def parse_alerts(data: dict[str, Any], problems: list[str]) -> list[str]:
    """The Apprise URLs of the [alerts] table (problems with it are added to `problems`)."""
    raw = data.get("alerts", {})
    if not isinstance(raw, dict):
        problems.append("[alerts] must be a table")
        return []
    for key in sorted(set(raw) - {"urls"}):
        problems.append(f"[alerts]: unknown key '{key}' (known: urls)")
    urls = raw.get("urls", [])
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        problems.append('[alerts]: urls must be a list of Apprise URLs, e.g. ["json://hooks.example.com/x"]')
        return []
    if urls:
        import apprise  # only for files that have alerts (0.1 s to import)

        for i, url in enumerate(urls, start=1):
            if not apprise.Apprise().add(url):
                # The URL itself is not shown: it may hold a password or a token.
                problems.append(f"[alerts]: url #{i} is not an Apprise URL (scheme {url.split('://')[0]!r})")
    return list(urls)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError([f"{path}: no such file (pass --sources FILE or set NEWSDESK_SOURCES)"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SourcesError([f"{path}: cannot read it: {e}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SourcesError([f"{path}: not valid TOML: {e}"]) from None


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources file; SourcesError says what is wrong and where."""
    path = Path(path)
    data = _read(path)
    try:
        return parse_sources(data)
    except SourcesError as e:
        raise SourcesError([f"{path}: {p}" for p in e.problems]) from None


def load_alerts(path: str | Path) -> list[str]:
    """The alert URLs of a sources file ([alerts] urls; [] when it has none)."""
    path = Path(path)
    problems: list[str] = []
    urls = parse_alerts(_read(path), problems)
    if problems:
        raise SourcesError([f"{path}: {p}" for p in problems])
    return urls


def find_source(sources: list[Source], name: str) -> Source:
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none"
    raise SourcesError([f"unknown source '{name}' (configured: {known})"])
