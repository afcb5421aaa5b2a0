"""The `newsdesk` command: a thin layer over crawler/, extraction/, storage/, scheduler.py and web/.

Each command parses its options, calls one library function and prints through cli.output.RecordWriter.
"""

from __future__ import annotations

from cli.app import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
