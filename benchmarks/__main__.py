"""Run every benchmark: `python -m benchmarks` (what `make bench` does)."""

from __future__ import annotations

import sys

from benchmarks import (
    daemon,
    dedupe_scale,
    extraction,
    near_duplicates,
    query_scale,
    split,
    split_shapes,
    split_tails,
    throughput,
    workers,
)


def main() -> int:
    codes = [
        extraction.main([]),
        split.main([]),
        split_shapes.main([]),
        split_tails.main([]),
        throughput.main([]),
        near_duplicates.main([]),
        dedupe_scale.main([]),
        query_scale.main([]),
        daemon.main([]),
        workers.main([]),
    ]
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
