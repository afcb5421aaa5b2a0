"""The first command on a new SQLite file creates the schema whole or not at all: killed at any moment of
it, the next command works (it used to find half the tables and fail on "table sources already exists")."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.conftest import NEWSDESK, newsdesk

KILL_AFTER = [0.3 + 0.15 * i for i in range(10)]  # seconds: spread over the schema's creation


def test_a_first_command_killed_while_it_creates_the_schema_leaves_a_usable_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    for n, delay in enumerate(KILL_AFTER):
        db = f"sqlite:///{tmp_path / f'news{n}.db'}"
        first = subprocess.Popen(
            [NEWSDESK, "--db", db, "runs"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        first.kill()
        first.wait(timeout=10)
        after = newsdesk("--db", db, "runs", "--format", "json", cwd=tmp_path)
        assert after.returncode == 0, f"killed after {delay:.2f}s: {after.stderr}"
        assert after.stdout.strip() == "[]"
