"""The `newsdesk` command: a thin layer over crawler/, extraction/, storage/, scheduler.py and web/.

Each command parses its options, calls one library function and prints through cli.output.RecordWriter.
"""

from __future__ import annotations

import gc

from cli.app import main as commands

__all__ = ["main"]
# See crawler/__main__.py: as there, collections of the youngest objects are made rarer (a command's imports
# alone made 250 of them, 0.15 s).
GC_YOUNG_THRESHOLD = 50_000


def main() -> None:
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    try:
        commands()
    finally:
        # The interpreter's last collection would walk every object of the loaded modules (SQLAlchemy's,
        # Scrapy's): ~0.2 s at the end of every command, for memory the process is about to give back.
        gc.freeze()


if __name__ == "__main__":
    main()
