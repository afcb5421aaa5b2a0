"""The `newsdesk` command: a thin layer over crawler/, extraction/, storage/, scheduler.py and web/.

Each command parses its options, calls one library function and prints through cli.output.RecordWriter.
"""

from __future__ import annotations

import gc

from cli.app import main as commands
from crawler.collector import collect_rarely

__all__ = ["main"]


def main() -> None:
    collect_rarely()
    try:
        commands()
    finally:
        # The interpreter's last collection would walk every object of the loaded modules (SQLAlchemy's,
        # Scrapy's): ~0.2 s at the end of every command, for memory the process is about to give back.
        gc.freeze()


if __name__ == "__main__":
    main()
