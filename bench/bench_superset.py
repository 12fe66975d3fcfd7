"""Time every chart query of every Superset dashboard through the chart data API.

Runs against a running, provisioned Superset (`zhengai superset provision --demo && zhengai superset start`)
on the warehouse you want to measure (the closing note of issue 5 uses the S demo college):

    .venv/bin/python bench/bench_superset.py [--url http://127.0.0.1:8088] [--user admin] [--repeat 3]

Each chart is asked `--repeat` times with `force=true` (no cache) by `GET /api/v1/chart/<id>/data/`:
the time is Superset's whole round trip (RLS, SQL generation, DuckDB opening the read-only file, the
query, post-processing, JSON), i.e. what a dashboard waits for. The SQL Superset generated for the chart
(`?type=query`) is also run directly in DuckDB (read-only, same file) and timed: `duckdb_seconds` is the
query alone, the rest of `seconds_median` is Superset. One JSON line per chart is appended to
bench/results/superset.jsonl; the slowest chart of each dashboard is printed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import duckdb
import requests

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "superset.jsonl"


def _login(base: str, user: str, password: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{base}/api/v1/security/login",
               json={"username": user, "password": password, "provider": "db", "refresh": False}, timeout=30)
    r.raise_for_status()
    s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return s


def _serving() -> Path:
    return Path(os.environ.get("ZHENGAI_HOME", REPO / "warehouse")) / "serving.duckdb"


def _duckdb_time(s: requests.Session, base: str, chart_id: int, repeat: int) -> float | None:
    """Median time of the chart's generated SQL run directly in DuckDB (as admin: no RLS clause)."""
    r = s.get(f"{base}/api/v1/chart/{chart_id}/data/", params={"type": "query"}, timeout=120)
    if r.status_code != 200 or not _serving().exists():
        return None
    sqls = [q["query"] for q in r.json()["result"] if q.get("query")]
    times = []
    with duckdb.connect(str(_serving()), read_only=True) as con:
        for _ in range(repeat):
            t = time.perf_counter()
            for sql in sqls:
                con.execute(sql).fetchall()
            times.append(time.perf_counter() - t)
    return round(statistics.median(times), 4)


def _warehouse_facts() -> dict:
    serving = _serving()
    facts = {"serving": str(serving)}
    if serving.exists():
        facts["serving_mb"] = round(serving.stat().st_size / 1e6, 1)
        try:
            with duckdb.connect(str(serving), read_only=True) as con:
                facts["students"] = con.sql("select count(*) from marts.dim_student").fetchone()[0]
                facts["indicator_values"] = con.sql("select count(*) from indicators.fct_indicator_values").fetchone()[0]
        except duckdb.Error:
            pass
    return facts


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    home = Path(os.environ.get("ZHENGAI_SUPERSET_HOME",
                               Path(os.environ.get("ZHENGAI_HOME", REPO / "warehouse")) / "superset"))
    port_file = home / "superset.port"
    default_url = f"http://127.0.0.1:{port_file.read_text().strip() if port_file.exists() else 8088}"
    p.add_argument("--url", default=default_url)
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default=os.environ.get("ZHENGAI_SUPERSET_ADMIN_PASSWORD", "zhengai-demo-2025"))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--size", default=os.environ.get("ZHENGAI_BENCH_SIZE", "S"), help="label of the warehouse size")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()

    base = args.url.rstrip("/")
    s = _login(base, args.user, args.password)
    dashboards = s.get(f"{base}/api/v1/dashboard/", params={"q": "(page_size:100)"}, timeout=60).json()["result"]
    run_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    facts = _warehouse_facts()
    lines, slowest = [], {}
    for d in sorted(dashboards, key=lambda d: d["id"]):
        charts = s.get(f"{base}/api/v1/dashboard/{d['id']}/charts", timeout=60).json()["result"]
        for ch in charts:
            times, rows, error = [], None, None
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = s.get(f"{base}/api/v1/chart/{ch['id']}/data/", params={"force": "true"}, timeout=120)
                times.append(time.perf_counter() - t)
                if r.status_code != 200:
                    error = f"HTTP {r.status_code}: {r.text[:200]}"
                    break
                rows = sum(q.get("rowcount", 0) for q in r.json()["result"])
            duck = _duckdb_time(s, base, ch["id"], args.repeat) if not error else None
            rec = {"bench": "superset_chart_query", "run_at": run_at, "size": args.size,
                   "dashboard": d["dashboard_title"], "slug": d.get("slug"), "chart": ch["slice_name"],
                   "chart_id": ch["id"], "viz": ch["form_data"].get("viz_type"), "rows": rows, "error": error,
                   "repeat": len(times), "seconds_median": round(statistics.median(times), 4),
                   "seconds_max": round(max(times), 4), "duckdb_seconds": duck, "host": platform.node(), "cpus": os.cpu_count(), **facts}
            lines.append(rec)
            key = d["dashboard_title"]
            if key not in slowest or rec["seconds_median"] > slowest[key]["seconds_median"]:
                slowest[key] = rec
            print(f"{d['dashboard_title']:<8} {rec['seconds_median']:6.3f}s  duckdb {duck or 0:6.3f}s  rows={rows!s:>5}  {ch['slice_name']}"
                  + (f"  ERROR {error}" if error else ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as fh:
        for rec in lines:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("\n各看板最慢的图表查询（中位数，秒） / slowest chart query per dashboard (median, s):")
    for title, rec in slowest.items():
        print(f"  {title:<8} {rec['seconds_median']:.3f}  （最大 {rec['seconds_max']:.3f}，DuckDB {rec['duckdb_seconds']}）"
              f"  {rec['chart']}")
    print(f"写入 {len(lines)} 行到 {args.out}")
    return 1 if any(r["error"] for r in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
