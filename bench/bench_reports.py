"""How long the annual report (and all department workbooks) take on the S and M colleges (not asserted in tests).

    .venv/bin/python bench/bench_reports.py                      # builds S and M warehouses in a temp folder
    .venv/bin/python bench/bench_reports.py --home S=/path/to/home --home M=/path/to/home   # reuse published ones

A `--home` is a ZHENGAI_HOME with a published serving.duckdb (e.g. from `zhengai simulate --size M … && zhengai run`).
Without one, the college is simulated (seed 2025) and the pipeline run first; that build is not part of the timing.
Each result is appended to bench/results/reports.jsonl.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from pipelines.reports import queries as q  # noqa: E402
from pipelines.reports.annual import write_annual  # noqa: E402
from pipelines.reports.department import write_departments  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reports.jsonl"


def build_home(size: str, root: Path) -> Path:
    from pipelines import simulator
    from pipelines.run import run_pipeline

    home = root / f"home_{size}"
    simulator.simulate(size=size, seed=2025, out=home / "sources")
    os.environ["ZHENGAI_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    summary = run_pipeline("daily_refresh", out=io.StringIO())
    if not summary.success:
        raise SystemExit(f"pipeline failed for {size}: {summary.failures}")
    return home


def bench(size: str, home: Path, runs: int) -> dict:
    serving = home / "serving.duckdb"
    with q.Warehouse.open(serving) as w:
        year = q.latest_year(w)
        students = w.scalar("SELECT count(*) FROM marts.fct_enrolment WHERE academic_year = ? AND is_in_school",
                            [year])
        judged = w.scalar("SELECT count(*) FROM warnings.fct_warnings WHERE academic_year = ?", [year])
    out = Path(tempfile.mkdtemp()) / "annual.xlsx"
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        write_annual(year, out, serving=serving)
        times.append(time.perf_counter() - t)
    wb = load_workbook(out)
    t = time.perf_counter()
    depts = write_departments(year, out.parent / "departments", serving=serving)
    dept_seconds = time.perf_counter() - t
    result = {
        "at": datetime.now().isoformat(timespec="seconds"), "size": size, "year": year,
        "annual_seconds": round(min(times), 2), "annual_seconds_median": round(statistics.median(times), 2),
        "runs": runs, "departments": len(depts), "departments_all_seconds": round(dept_seconds, 2),
        "sheets": len(wb.sheetnames), "charts": sum(len(ws._charts) for ws in wb.worksheets),
        "annual_kib": round(out.stat().st_size / 1024, 1), "students_in_school": students,
        "judgements_in_year": judged, "machine": platform.machine(), "cpus": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["S", "M"])
    ap.add_argument("--home", action="append", default=[], metavar="SIZE=DIR",
                    help="reuse a published warehouse home for a size")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    homes = dict(h.split("=", 1) for h in args.home)
    root = Path(tempfile.mkdtemp(prefix="bench_reports_"))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        home = Path(homes[size]) if size in homes else build_home(size, root)
        result = bench(size, home, args.runs)
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
