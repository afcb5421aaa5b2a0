"""Load and validate sources.toml: every problem is reported, each naming the source and the key."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.source_values import (
    LIST_KEYS,
    NEVER,
    OPTIONAL_DURATION_KEYS,
    Schedule,
    check_value,
    parse_duration,
    parse_schedule,
)

__all__ = [
    "Schedule",
    "Source",
    "SourcesError",
    "find_source",
    "load_sources",
    "parse_duration",
    "parse_schedule",
]

NAME_RE = re.compile(r"^[a-z0-9_-]{1,100}$")  # (100: the length a source name is stored in)
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
DEFAULT_KEYS = {*DEFAULTS, *OPTIONAL_DURATION_KEYS}


@functools.cache
def _sites() -> Callable[[str], Any]:
    """Registrable domains from the public suffix list bundled with tldextract (no download, no cache
    files). Loaded on first use: with `requests`, 0.2 s that a command reading its sources does not need."""
    import tldextract

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())


# How the source's requests go out: through which proxies, as which browser, with which headers and cookies.
REQUEST_KEYS = ("proxy", "user_agent", "headers", "cookies", "render", "render_wait")
SOURCE_KEYS = {"name", *LIST_KEYS, *DEFAULT_KEYS, *REQUEST_KEYS}


class SourcesError(Exception):
    """The sources file is missing, unreadable or invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


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
        extract = _sites()
        sites = {extract(h).top_domain_under_public_suffix or h for h in hosts if h}
        return sorted(sites | set(self.extra_domains))


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
        checked = check_value("[defaults]", key, value, problems)
        if checked is None and key in DEFAULTS:
            checked = check_value("", key, DEFAULTS[key], [])
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
            problems.append(f"{where}: 'name' is required and must be 1 to 100 of [a-z0-9_-]")
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
            checked = check_value(where, key, value, problems)
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
