"""The one record writer: every command that prints records (lists, a single article, streamed exports)
prints them through RecordWriter, as a table, JSON, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import Any, TextIO

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from extraction import DEFAULT_TIME_LIMIT, strip_controls

FORMATS = ("table", "json", "jsonl", "csv")
WIDE_COLUMNS = ("title", "url", "message", "body")
# The columns of the tables of articles and of runs (the other formats print every field).
ARTICLE_TABLE = ("id", "published", "source", "title", "headlines", "url")
RUN_TABLE = (
    "id",
    "source",
    "trigger",
    "status",
    "started_at",
    "finished_at",
    "pages",
    "stored",
    "updated",
    "duplicates",
    "skipped",
    "errors",
    "message",
)


def redis_option(help_text: str) -> Callable[[Any], Any]:
    return click.option("--redis", "redis_url", envvar="NEWSDESK_REDIS", metavar="URL", help=help_text)


def log_format_option(f: Any) -> Any:
    return click.option(
        "--log-format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="json: one JSON object a line, for log collectors.",
    )(f)


def time_limit_option(f: Any) -> Any:
    """--time-limit SECONDS (env NEWSDESK_EXTRACT_TIME_LIMIT): the time one page may take to extract."""
    return click.option(
        "--time-limit",
        "seconds",
        type=click.FloatRange(min=0, max=86_400),
        default=DEFAULT_TIME_LIMIT,
        envvar="NEWSDESK_EXTRACT_TIME_LIMIT",
        show_default=True,
        help="Seconds a page may take to extract; a slower one is skipped (0: no limit; env "
        "NEWSDESK_EXTRACT_TIME_LIMIT).",
    )(f)


def format_option(f: Any) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table on a terminal, jsonl when piped).",
    )(f)


def _cell(value: Any, width: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return str(len(value))
    text = strip_controls(str(value).replace("\n", " "))
    return text if len(text) <= width else text[: width - 1] + "…"


def _csv_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


class RecordWriter:
    """Writes records one at a time in `fmt`: JSON lines and CSV as they come (constant memory), JSON as
    one array, a table (of `columns`) when all are in. CSV's header is `columns`, else the first
    record's fields."""

    def __init__(self, fmt: str | None, columns: tuple[str, ...] | None = None, out: TextIO | None = None):
        self.out = out or sys.stdout
        self.fmt = fmt or ("table" if self.out.isatty() else "jsonl")
        self.columns = columns
        self.count = 0
        self._csv: csv.DictWriter[str] | None = None
        self._rows: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        if self.fmt == "jsonl":  # orjson: a third of json's time for a long article, the same JSON
            self.out.write(orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")
        elif self.fmt == "json":
            text = textwrap.indent(json.dumps(record, ensure_ascii=False, indent=2), "  ")
            self.out.write(("[\n" if not self.count else ",\n") + text)
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = self._csv_writer(list(record))
            self._csv.writerow({k: _csv_value(v) for k, v in record.items()})
        else:
            self._rows.append(record)
        self.count += 1

    def _csv_writer(self, fields: list[str]) -> csv.DictWriter[str]:
        writer = csv.DictWriter(self.out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        return writer

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "[]\n")
        elif self.fmt == "csv" and self._csv is None:
            self._csv_writer(list(self.columns or ()))
        elif self.fmt == "table":
            self._table()
        self.out.flush()

    def _table(self) -> None:
        table = Table(show_lines=False)
        columns = list(self.columns or (self._rows[0].keys() if self._rows else ()))
        for c in columns:
            wide = c in WIDE_COLUMNS
            table.add_column(c, overflow="fold" if wide else "ellipsis", no_wrap=not wide)
        for r in self._rows:
            table.add_row(*(Text(_cell(r.get(c))) for c in columns))  # as text: no rich markup
        # A table sent to a pipe or file gets a fixed width instead of 80 columns.
        Console(file=self.out, width=None if self.out.isatty() else 200).print(table)
        if not self._rows:
            click.echo("(nothing)", err=True)


def emit(records: Iterable[dict[str, Any]], fmt: str | None, columns: tuple[str, ...] | None = None) -> int:
    """Print records in the chosen format (the table shows `columns`); returns how many."""
    writer = RecordWriter(fmt, columns)
    for record in records:
        writer.write(record)
    writer.close()
    return writer.count
