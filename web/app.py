"""`newsdesk serve`: read-only pages and a JSON API over storage.queries.

Every route answers GET only; every value reaches the page through Jinja2's autoescaping (an article that
contains `<script>` shows it as text); every query runs under a time limit.
"""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from storage import queries, records, runs
from storage.metrics import registry as archive_metrics
from storage.queries import ArticleFilter
from storage.versions import changed_paragraphs, changed_words, version_changes
from web import charts as charts_

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


class QueryTimeout(Exception):
    pass


@dataclass
class Archive:
    """The database the pages read, and how long a page's queries may take."""

    engine: Engine
    query_timeout: float

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with Session(self.engine) as s:
                if self.engine.dialect.name == "postgresql":
                    s.connection().exec_driver_sql(
                        f"SET statement_timeout = {int(self.query_timeout * 1000)}"
                    )
                yield s
        except OperationalError as e:
            if "interrupted" in str(e) or "statement timeout" in str(e):
                raise QueryTimeout(str(e.orig)) from None
            raise


pages = Blueprint("pages", __name__)


def create_app(engine: Engine, query_timeout: float = 5.0) -> Flask:
    app = Flask(__name__)
    _limit_queries(engine, query_timeout)
    app.extensions["newsdesk"] = Archive(engine, query_timeout)
    app.register_blueprint(pages)
    return app


def archive() -> Archive:
    archive: Archive = current_app.extensions["newsdesk"]
    return archive


@pages.app_template_filter("pagequery")
def pagequery(args: Any, offset: int) -> str:
    """The current query string with another offset (for the newer/older links)."""
    return urlencode({**args.to_dict(), "offset": str(max(0, offset))})


def _error(message: str, status: int) -> Any:
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    return render_template("error.html", message=message), status


@pages.app_errorhandler(QueryTimeout)
def timed_out(error: QueryTimeout) -> Any:
    return _error(f"the query took longer than {archive().query_timeout:g}s: narrow it down", 503)


@pages.app_errorhandler(ValueError)
def bad_request(error: ValueError) -> Any:
    return _error(str(error), 400)


@pages.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    """Not found, wrong method, and the rest: JSON under /api/, the error page elsewhere."""
    return _error(error.description or error.name, error.code or 500)


@pages.app_errorhandler(InternalServerError)
def internal_error(error: InternalServerError) -> Any:
    logger.error("error answering %s", request.path, exc_info=error.original_exception)
    return _error("something went wrong on the server (it is logged)", 500)


def search_results() -> dict[str, Any]:
    f = article_filter(request.args)
    with archive().session() as s:
        total = queries.count_articles(s, f)
        articles = queries.list_articles(s, f)
        sources = queries.source_names(s)
    return {"filter": f, "total": total, "articles": articles, "sources": sources}


@pages.get("/")
def index() -> str:
    results = search_results()
    chart = None
    if results["filter"].search and results["total"]:
        with archive().session() as s:
            per_day = queries.matches_per_day(s, results["filter"])
        chart = charts_.bars(f"Articles matching {results['filter'].search} per day, last 30 days", per_day)
    return render_template("index.html", args=request.args, page_size=PAGE_SIZE, chart=chart, **results)


@pages.get("/articles/<int:article_id>")
def article(article_id: int) -> str:
    with archive().session() as s:
        record = records.get_article(s, article_id)
        if record is None:
            abort(404)
        run = runs.run_that_fetched(s, record["source"], record["fetched_at"])
    changes = version_changes(record)
    for change in changes:
        change["paragraphs"] = changed_paragraphs(change["body"])
    return render_template("article.html", article=record, run=run, changes=changes[::-1])


def runs_overview() -> dict[str, Any]:
    with archive().session() as s:
        return {
            "sources": runs.sources_overview(s),
            "runs": runs.list_runs(s, request.args.get("source") or None, limit=100),
        }


CHART_RUNS = 50  # runs drawn on a source's page


@pages.get("/sources/<name>")
def source_page(name: str) -> str:
    """One source at a glance: articles stored per day, each run's duration and errors, and what its
    extraction gave (shares of pages without a body, title or date)."""
    with archive().session() as s:
        overview = next((o for o in runs.sources_overview(s) if o["source"] == name), None)
        if overview is None:
            abort(404)
        stored = runs.stored_per_day(s, name)
        recent = runs.list_runs(s, name, limit=CHART_RUNS)[::-1]  # oldest first
    finished = [r for r in recent if r["finished_at"]]
    labels = [f"run {r['id']} ({r['started_at']})" for r in finished]
    quality = [r["quality"] or {} for r in finished]
    charts = {
        "stored": charts_.bars(f"Articles stored per day by {name}, last 30 days", stored),
        "durations": charts_.bars(
            f"Duration of each of the last {len(finished)} runs of {name}",
            [(label, _seconds(r)) for label, r in zip(labels, finished, strict=True)],
            " s",
        ),
        "errors": charts_.bars(
            f"Errors in each of the last {len(finished)} runs of {name}",
            [(label, r["errors"]) for label, r in zip(labels, finished, strict=True)],
            colour="#b00020",
        ),
        "quality": charts_.lines(
            f"What extraction gave on each of the last {len(finished)} runs of {name}",
            labels,
            {
                what: [q.get(key) for q in quality]
                for key, what in (
                    ("empty_body", "empty body"),
                    ("no_title", "no title"),
                    ("no_date", "no date"),
                )
            },
        ),
    }
    return render_template("source.html", source=overview, charts=charts, runs=recent[::-1])


def _seconds(run: dict[str, Any]) -> float:
    started = datetime.strptime(run["started_at"], records.ISO)
    return round((datetime.strptime(run["finished_at"], records.ISO) - started).total_seconds(), 1)


@pages.get("/runs")
def runs_page() -> str:
    overview = runs_overview()
    return render_template("runs.html", health=overview["sources"], runs=overview["runs"])


@pages.get("/api/articles")
def api_articles() -> Any:
    results = search_results()
    f = results["filter"]
    return jsonify(
        {"total": results["total"], "offset": f.offset, "limit": f.limit, "articles": results["articles"]}
    )


@pages.get("/api/articles/<int:article_id>")
def api_article(article_id: int) -> Any:
    with archive().session() as s:
        record = records.get_article(s, article_id)
    if record is None:
        return jsonify({"error": f"no article {article_id}"}), 404
    return jsonify(record)


@pages.get("/api/articles/<int:article_id>/versions")
def api_versions(article_id: int) -> Any:
    """Each step from one version to the next, oldest first, with its word-level changes."""
    with archive().session() as s:
        record = records.get_article(s, article_id)
    if record is None:
        return jsonify({"error": f"no article {article_id}"}), 404
    return jsonify({"id": article_id, "version": record["version"], "changes": version_changes(record)})


NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@pages.get("/feeds/edits.xml")
def edits_feed() -> Any:
    """Atom: the articles their publisher edited last, title changes first (corrections, stealth edits)."""
    with archive().session() as s:
        edits = queries.recent_edits(s)
    atom = "http://www.w3.org/2005/Atom"
    root = request.url_root

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(
            parent, f"{{{atom}}}{tag}", {k: NOT_XML_RE.sub("", v) for k, v in attrs.items()}
        )
        if text is not None:
            element.text = NOT_XML_RE.sub("", text)
        return element

    feed = ET.Element(f"{{{atom}}}feed")
    add(feed, "title", "newsdesk: articles edited by their publisher")
    add(feed, "id", f"{root}feeds/edits.xml")
    add(feed, "link", rel="self", href=f"{root}feeds/edits.xml")
    add(
        feed,
        "updated",
        max((r["fetched_at"] for r in edits), default=records.iso(datetime.now(UTC).replace(tzinfo=None))),
    )
    for record in edits:
        change = version_changes(record)[-1]
        earlier = next(v for v in record["versions"] if v["version"] == change["from"])
        entry = add(feed, "entry")
        heading = (
            f"Title changed: {earlier['title']} → {record['title']}"
            if record["title_changed"]
            else f"Edited: {record['title']}"
        )
        add(entry, "title", heading)
        add(entry, "id", f"{root}articles/{record['id']}#v{record['version']}")
        add(entry, "link", href=f"{root}articles/{record['id']}")
        add(entry, "link", rel="related", href=record["url"])
        add(entry, "updated", record["fetched_at"])
        words = changed_words(change["title"]) + changed_words(change["body"])
        add(
            entry,
            "summary",
            f"{change['kind']} change, version {change['from']} → {change['to']}: {words} words changed",
        )
    ET.register_namespace("", atom)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return current_app.response_class(body, content_type="application/atom+xml; charset=utf-8")


@pages.get("/metrics")
def metrics() -> Any:
    """The archive in Prometheus' text format (storage.metrics)."""
    body = generate_latest(archive_metrics(archive().engine))
    return current_app.response_class(body, content_type=CONTENT_TYPE_LATEST)


@pages.get("/api/runs")
def api_runs() -> Any:
    return jsonify(runs_overview())


@pages.after_app_request
def headers(response: Any) -> Any:
    # No script runs on these pages: a second line of defence behind the escaping.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"  # no page of the archive inside another site's frame
    return response


def article_filter(args: Any) -> ArticleFilter:
    """Query-string parameters -> ArticleFilter; ValueError (a 400) names a bad one."""

    def date(name: str, end_of_day: bool = False) -> datetime | None:
        try:
            return records.parse_when((args.get(name) or "").strip(), end_of_day)
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None

    def number(name: str, default: int, low: int, high: int) -> int:
        value = args.get(name) or str(default)
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            raise ValueError(f"{name}: {value!r} is not a whole number from {low} to {high}")
        return int(value)

    headlines = args.get("headlines") or ""
    if headlines not in ("", "yes", "no"):
        raise ValueError(f"headlines: {headlines!r} is not yes or no")
    sort = args.get("sort") or "newest"
    if sort not in queries.SORTS:
        raise ValueError(f"sort: {sort!r} is not one of {', '.join(queries.SORTS)}")
    search = (args.get("q") or "").strip() or None
    try:
        queries.search.parse(search or "")
    except ValueError as e:
        raise ValueError(f"q: {e}") from None
    return ArticleFilter(
        source=args.get("source") or None,
        since=date("since"),
        until=date("until", end_of_day=True),
        search=search,
        with_duplicates=args.get("duplicates") == "yes",
        limit=number("limit", PAGE_SIZE, 1, 200),
        offset=number("offset", 0, 0, 10_000_000),
        language=args.get("language") or None,
        has_headlines={"yes": True, "no": False}.get(headlines),
        sort=sort if search else "newest",
    )


def _limit_queries(engine: Engine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts a statement that runs too long."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "checkout")
    def restart(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        started = record.info.get("newsdesk_started")
        if started is None:  # first use of this connection here: install the check
            started = record.info["newsdesk_started"] = [0.0]
            dbapi_connection.set_progress_handler(
                lambda: int(time.monotonic() - started[0] > seconds), 10_000
            )
        started[0] = time.monotonic()
