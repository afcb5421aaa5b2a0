"""The import rule import-linter cannot check: scheduler.py is a module, not a package (see pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"cli", "web", "scheduler", "pipelines", "crawler", "storage", "extraction", "demo", "benchmarks"}
SCHEDULER_MAY_IMPORT = {"crawler", "storage"}


def project_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & PROJECT


def test_the_scheduler_imports_only_the_crawler_and_storage() -> None:
    imported = project_imports(ROOT / "scheduler.py")
    assert "crawler" in imported and "storage" in imported  # the check reads the real imports
    assert imported <= SCHEDULER_MAY_IMPORT, imported - SCHEDULER_MAY_IMPORT
