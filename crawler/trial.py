"""Try a source before it stores anything (`newsdesk try`, `newsdesk fetch`): a crawl of the source in a
child process, with the crawl's own rules (robots.txt, allow/deny, private addresses, size limits,
proxies and headers) and extraction, whose findings are reported (crawler.extensions.TrialLog) instead of
stored. The child's database is a scratch file in a folder deleted afterwards."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.outcome import log_tail
from crawler.runner import CrawlJob
from crawler.sources import Source

# How `newsdesk try` names a source it was given on the command line (--feed, --sitemap, --start-url).
SCRATCH_NAME = "try"


@dataclass
class Trial:
    """What a trial crawl found: every URL once, in the order found, with its fate (`decision`: crawl,
    denied, not_allowed, too_old, failed; `reason`: the rule, date or error; `status`: the HTTP status
    when it was fetched), the feeds, sitemaps and listing pages read (`status`, or `reason` when unread),
    the articles as extracted, and '' or why the crawl itself failed."""

    source: str
    read: list[dict[str, Any]] = field(default_factory=list)
    urls: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def scratch_sources(
    name: str, feeds: list[str], sitemaps: list[str], start_urls: list[str], allow: list[str], deny: list[str]
) -> str:
    """A sources file (TOML) of one source given on the command line; crawler.sources validates it."""
    lines = ["[[source]]", f"name = {json.dumps(name)}"]
    for key, values in (
        ("feeds", feeds),
        ("sitemaps", sitemaps),
        ("start_urls", start_urls),
        ("allow", allow),
        ("deny", deny),
    ):
        if values:
            # A JSON string is a TOML basic string (same escapes), so any URL or pattern is written as given.
            lines.append(f"{key} = [{', '.join(json.dumps(v) for v in values)}]")
    return "\n".join(lines) + "\n"


def run_trial(
    source: Source,
    sources_path: str | Path,
    limit: int,
    fetch_url: str | None = None,
    render: bool = False,
    timeout: float = 300.0,
    verbose: bool = False,
) -> Trial:
    """Crawl `source` (or only `fetch_url`, as one of its articles) now, fetching at most `limit` article
    pages (through the browser with `render`), and storing nothing."""
    trial = Trial(source.name)
    with tempfile.TemporaryDirectory(prefix="newsdesk-try-") as folder:
        out, log_path = Path(folder, "trial.jsonl"), Path(folder, "crawl.log")
        job = CrawlJob(
            source,
            f"sqlite:///{folder}/scratch.db",
            str(sources_path),
            verbose=verbose,
            settings_module="crawler.trial_settings",
        )
        command = job.command(0)
        command += ["-s", f"NEWSDESK_MAX_PAGES={limit}", "-s", f"NEWSDESK_TRIAL_OUTPUT={out}"]
        if fetch_url:
            command += ["-a", f"fetch={fetch_url}"]
        if render:
            command += ["-s", "NEWSDESK_RENDER=on"]
        with open(log_path, "wb") as log:
            try:
                child = subprocess.run(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=None if verbose else log,
                    stderr=None if verbose else subprocess.STDOUT,
                    env=job.environment(),
                    timeout=timeout,
                    check=False,
                )
                if child.returncode != 0:
                    trial.error = (
                        f"the crawl failed: {log_tail(log_path) or f'exit status {child.returncode}'}"
                    )
            except subprocess.TimeoutExpired:
                trial.error = f"stopped after {timeout:g}s (--timeout); what it found so far is shown"
        if out.exists():
            read_findings(out, trial)
        elif not trial.error:
            trial.error = f"the crawl reported nothing: {log_tail(log_path)}"
    return trial


def read_findings(path: Path, trial: Trial) -> None:
    """The child's JSON lines into `trial`: a URL's later news (fetched, failed) updates its first note."""
    notes: dict[str, dict[str, Any]] = {}
    read: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        kind = record.pop("kind")
        if kind == "article":
            trial.articles.append(record)
        elif kind == "index" or record.get("decision") == "unread":
            page = read.get(record["url"])
            if page is None:
                page = read[record["url"]] = {"url": record["url"], "status": None, "reason": ""}
                trial.read.append(page)
            page["status"] = record.get("status") or page["status"]
            page["reason"] = record.get("reason") or page["reason"]
        elif kind in ("url", "fetched"):
            note = notes.get(record["url"])
            if note is None:
                note = notes[record["url"]] = {
                    "url": record["url"],
                    "via": "",
                    "decision": "crawl",
                    "reason": "",
                }
                note["status"] = None
                trial.urls.append(note)
            if kind == "fetched":
                note["status"] = record["status"]
            else:
                note["via"] = note["via"] or record["via"]
                note["decision"], note["reason"] = record["decision"], record["reason"]
