"""The `newsdesk` command: a thin layer over crawler/, extraction/, storage/, scheduler.py and web/.

Each command parses its options, calls one library function and prints through cli.output.RecordWriter.
"""

from __future__ import annotations

from cli import archive, crawling, pages, serving
from cli.app import main

__all__ = ["archive", "crawling", "main", "pages", "serving"]

if __name__ == "__main__":
    main()
