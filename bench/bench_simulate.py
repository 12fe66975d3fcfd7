"""Measure the demo-college simulator: wall time and output size per size (S, M, L).

    .venv/bin/python bench/bench_simulate.py            # S and M
    .venv/bin/python bench/bench_simulate.py S M L      # all three (L takes a few minutes)

Writes a Markdown table to stdout and appends a JSON line per size to bench/results/simulate.jsonl.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from pipelines.simulator import simulate

RESULTS = Path(__file__).resolve().parent / "results" / "simulate.jsonl"


def _size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(sizes: list[str]) -> None:
    print("| size | seconds | output MiB | rows written |")
    print("|---|---:|---:|---:|")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "college"
            started = time.perf_counter()
            result = simulate(size=size, seed=2025, out=out)
            seconds = time.perf_counter() - started
            mib = _size_of(out) / 2**20
            rows = sum(item.rows for item in result.items)
        print(f"| {size} | {seconds:.1f} | {mib:.1f} | {rows:,} |")
        RESULTS.parent.mkdir(exist_ok=True)
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"at": datetime.now().isoformat(timespec="seconds"), "size": size,
                                 "seconds": round(seconds, 2), "mib": round(mib, 1), "rows": rows,
                                 "machine": platform.machine()}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:] or ["S", "M"])
