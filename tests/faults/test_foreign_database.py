"""A database that is not newsdesk's, or one made by a newer newsdesk: refused with a message, unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import newsdesk


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, supplier TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    for command in (["query"], ["runs"], ["export", "--format", "jsonl"]):
        result = newsdesk("--db", f"sqlite:///{path}", *command, cwd=tmp_path)
        assert result.returncode == 1, command
        assert "is not a newsdesk database" in result.stderr and "customers" in result.stderr
        assert "Traceback" not in result.stderr
    assert tables(path) == ["customers", "sources"]


def test_a_database_from_a_newer_newsdesk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    assert newsdesk("--db", f"sqlite:///{path}", "runs", cwd=tmp_path).returncode == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    result = newsdesk("--db", f"sqlite:///{path}", "query", cwd=tmp_path)
    assert result.returncode == 1
    assert "newer newsdesk" in result.stderr and "Traceback" not in result.stderr
