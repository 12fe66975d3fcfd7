"""How close `zhengai run` is to plain DuckDB, and how much a run costs when little or nothing changed.

    .venv/bin/python bench/bench_pipeline.py                 # size S
    .venv/bin/python bench/bench_pipeline.py --size S --size M --label after
    .venv/bin/python bench/bench_pipeline.py --size L --full-only       # completes? peak RSS

Per size, in one fresh `$ZHENGAI_HOME` (a simulated college, seed 2025):
1. full run          `zhengai run` on a new warehouse;
2. unchanged run     `zhengai run` again, nothing changed;
3. one-file run      20 records appended to 学工/违纪处分.csv (pipelines/simulator/changes.py; it feeds the
                     student indicators and warnings), `zhengai run` again;
   runs 2 and 3 are short, so the machine's noise weighs on them: each is done REPEAT times and the median
   reported (every time is in the JSON line);
4. lower bound       the same sources read with the plain readers (sqlite3 for 教务, the xlsx/CSV readers for the
                     export files — no normalising, no gate) into DuckDB, then the SQL dbt compiled in run 1
                     (every model and test, in the order dbt ran them) executed in one connection.
5. full run and lower bound again, each REPEAT times in all, taken in turns (full in a new home with the same
   sources, then the lower bound): the same full run on this machine took 57–67 s within one hour, so the ratio
   is the median full run over the median lower bound, and every time is in the JSON line.
Each is a child process: wall seconds, CPU seconds (user + sys of the whole process tree, from wait4) and the
peak of the tree's summed RSS (sampled from /proc). One JSON line per size goes to bench/results/pipeline.jsonl.
Not collected by pytest; nothing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from pipelines.simulator.changes import append_discipline_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "pipeline.jsonl"
ZHENGAI = str(Path(sys.executable).with_name("zhengai"))
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
REPEAT = 3  # every run but the L full-only one: the median of three


# ------------------------------------------------------------------------------------------ measuring a child
def _tree_rss_kb(root: int) -> int:
    """Summed RSS of `root` and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            parents[int(d)] = int(stat[1])
            with open(f"/proc/{d}/statm", "rb") as fh:
                rss[int(d)] = int(fh.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier += kids
    return sum(rss.get(p, 0) for p in tree)


def measure(cmd: list[str], env: dict[str, str], log: Path) -> dict:
    """Run `cmd`; wall, CPU of the process tree, peak summed RSS. Raises if it fails."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
                done.wait(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(max(peak[0], usage.ru_maxrss) / 1024, 1)}


# ------------------------------------------------------------------------------------------ the lower bound
def _run_results(home: Path, run_id: str) -> Path:
    """The run_results.json dbt wrote for the run `run_id`: `$ZHENGAI_HOME/dbt/target`, or (older versions)
    a per-invocation folder under dbt_project/target holding the run's build-file name."""
    own = home / "dbt" / "target" / "run_results.json"
    if own.exists():
        return own
    found = sorted((ROOT / "dbt_project" / "target").rglob("run_results.json"), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for p in found:
        if run_id in p.read_text(encoding="utf-8"):
            return p
    raise RuntimeError(f"no dbt run_results.json for run {run_id}")


def _catalog(run_results: Path) -> str:
    """The DuckDB catalog the compiled SQL names (the file name dbt opened)."""
    for r in json.loads(run_results.read_text(encoding="utf-8"))["results"]:
        if r.get("relation_name"):
            return r["relation_name"].split(".")[0].strip('"')
    raise RuntimeError(f"no relation in {run_results}")


def lower_bound(home: Path, sql_dir: Path, out_db: Path) -> None:
    """Read every source table plainly into raw.*, then run the compiled dbt SQL in one connection."""
    import sqlite3

    import duckdb
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from pipelines.config import load_settings
    from pipelines.ingest.cleaning import install as install_cleaning
    from pipelines.ingest.contract import load_contract, map_columns
    from pipelines.ingest.extract import DATABASE_SYSTEMS, STACKED_SYSTEMS, source_paths, split_source
    from pipelines.ingest.raw_store import ensure_schema
    from pipelines.ingest.readers import read_csv_export, read_xlsx_export

    settings = load_settings({**os.environ, "ZHENGAI_HOME": str(home)})
    results = json.loads((sql_dir / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((sql_dir / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(out_db))
    ensure_schema(con)
    install_cleaning(con)  # staging calls the cleaning macros, as dbt's profile plugin installs them
    db = sqlite3.connect(settings.jiaowu_url.removeprefix("sqlite:///"))
    for i, t in enumerate(load_contract().values()):
        if t.system in DATABASE_SYSTEMS:
            cur = db.execute(f"SELECT * FROM {t.table}")
            frame = pd.DataFrame.from_records(cur.fetchall(), columns=[d[0] for d in cur.description])
            frame = frame.astype("string")
            frame["_source_row"] = range(1, len(frame) + 1)
            frames = [(f"jiaowu.{t.table}", None, frame)]
        else:
            file, sheet = split_source(t.source)
            sheet = t.source if t.system in STACKED_SYSTEMS else sheet
            frames = []
            for path in source_paths(t, settings):
                if path.suffix == ".csv":
                    frame = read_csv_export(path)[0]
                else:
                    try:
                        frame = read_xlsx_export(path, sheet)
                    except Exception:  # noqa: BLE001 - an older workbook without this sheet
                        continue
                frames.append((path.name, sheet, frame))
        parts = []
        for label, sheet, frame in frames:
            frame = map_columns(frame, t, strict=False)
            frame = frame.rename(columns={"_source_row": "__row"})
            frame.insert(0, "_source_file", label)
            frame.insert(1, "_sheet", sheet)
            parts.append(frame)
        # an optional source nobody has delivered yet (诊改反馈): an empty table, as the pipeline lands it
        frame = (pd.concat(parts, ignore_index=True) if parts
                 else pd.DataFrame({c: pd.Series(dtype="string") for c in ["_source_file", "_sheet", "__row"]}))
        for c in t.columns:
            if c.id not in frame.columns:
                frame[c.id] = None
        batch = f"lb_{i}"
        con.register("incoming", frame)
        data = ", ".join(f'"{c}"::VARCHAR AS "{c}"' for c in frame.columns if not c.startswith("_"))
        con.execute(f'CREATE TABLE raw."{t.raw_name}" AS SELECT \'{t.system}\' AS _source_system, _source_file, '
                    f"_sheet::VARCHAR AS _sheet, __row::BIGINT AS _source_row, '{batch}' AS _batch_id, "
                    f"NULL::VARCHAR AS _row_hash, now()::TIMESTAMP AS _loaded_at, {data} FROM incoming")
        con.unregister("incoming")
        con.execute("INSERT INTO raw._batches VALUES (?, ?, ?, ?, ?, NULL, NULL, 'x', ?, [], now(), 'loaded', '')",
                    [batch, i + 1, t.system, t.table, f"raw.{t.raw_name}", len(frame)])
    # seeds are configuration, not sources: taken as dbt loaded them (the published warehouse's ref schema)
    serving = home / "serving.duckdb"
    con.execute(f"ATTACH '{serving}' AS served (READ_ONLY)")
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'served' "
                               "AND schema_name = 'ref'").fetchall():
        con.execute(f'CREATE TABLE ref."{name}" AS SELECT * FROM served.ref."{name}"')
    con.execute("DETACH served")
    for r in results["results"]:
        node = manifest["nodes"].get(r["unique_id"], {})
        sql, kind = r.get("compiled_code") or node.get("compiled_code"), node.get("resource_type")
        if kind == "model":
            materialized = node["config"]["materialized"]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {node['schema']}")
            what = "VIEW" if materialized == "view" else "TABLE"
            con.execute(f"CREATE OR REPLACE {what} {r['relation_name']} AS {sql}")
        elif kind == "test":
            con.execute(f"SELECT count(*) FROM ({sql}) AS t").fetchone()
    con.execute("CHECKPOINT")
    con.close()


# ------------------------------------------------------------------------------------------ one size
def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return out.stdout.strip() + ("+dirty" if dirty else "")


def bench_size(size: str, seed: int, label: str, keep: bool, full_only: bool = False) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"bench-pipeline-{size}-"))
    logs = home / "bench-logs"
    logs.mkdir()
    env = {**os.environ, "ZHENGAI_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    print(f"[{size}] {home}", flush=True)
    sim = measure([ZHENGAI, "simulate", "--size", size, "--seed", str(seed), "--out", str(home / "sources")],
                  env, logs / "simulate.log")
    print(f"[{size}] simulate {sim}", flush=True)
    pristine = home / "bench-sources"  # the sources as simulated, for the repeated full runs
    if not full_only:
        shutil.copytree(home / "sources", pristine)
    full = measure([ZHENGAI, "run"], env, logs / "full.log")
    print(f"[{size}] full {full}", flush=True)
    if full_only:  # L: does it complete, in how much memory
        line = {"size": size, "label": label, "seed": seed, "full_s": full["wall_s"], "full_cpu_s": full["cpu_s"],
                "peak_rss_mb": full["peak_rss_mb"], "completed": "完成：已发布版本" in (logs / "full.log").read_text(
                    encoding="utf-8", errors="replace"),
                "duckdb_memory_limit": os.environ.get("ZHENGAI_DUCKDB_MEMORY", "2GB"),
                "commit": git_commit(), "date": datetime.now().isoformat(timespec="seconds"),
                "machine": os.uname().machine, "cpus": os.cpu_count(), "load_at_start": round(os.getloadavg()[0], 2)}
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
        return line
    # versions/<version>/serving.duckdb (older layout: versions/<version>.duckdb); <version> = <time>_<run id>
    [version] = [p.parent if p.name == "serving.duckdb" else p
                 for p in [*(home / "versions").glob("*/serving.duckdb"), *(home / "versions").glob("*.duckdb")]]
    run_id = version.name.removesuffix(".duckdb").split("_", 1)[1]
    sql_dir = home / "bench-dbt"
    sql_dir.mkdir()
    found = _run_results(home, run_id)
    shutil.copy(found, sql_dir / "run_results.json")
    shutil.copy(found.with_name("manifest.json"), sql_dir / "manifest.json")
    unchanged_runs = []
    for k in range(REPEAT):
        unchanged_runs.append(measure([ZHENGAI, "run"], env, logs / f"unchanged_{k + 1}.log"))
        print(f"[{size}] unchanged {unchanged_runs[-1]}", flush=True)
    one_file_runs = []
    for k in range(REPEAT):
        append_discipline_rows(home / "sources", first=20 * k)  # feeds student indicators and warnings
        one_file_runs.append(measure([ZHENGAI, "run"], env, logs / f"one_file_{k + 1}.log"))
        print(f"[{size}] one file {one_file_runs[-1]}", flush=True)
    unchanged, one_file = _median_run(unchanged_runs), _median_run(one_file_runs)
    full_runs, lower_runs = [full], []
    for k in range(REPEAT):
        if k:  # the full run again, in a new home with the same sources (as simulated: before the one-file edits)
            again = Path(tempfile.mkdtemp(prefix=f"bench-pipeline-{size}-full-"))
            shutil.copytree(pristine, again / "sources")
            full_runs.append(measure([ZHENGAI, "run"], {**env, "ZHENGAI_HOME": str(again)},
                                     logs / f"full_{k + 1}.log"))
            shutil.rmtree(again, ignore_errors=True)
            print(f"[{size}] full {full_runs[-1]}", flush=True)
        lb_db = home / f"lower-bound-{k + 1}" / f"{_catalog(sql_dir / 'run_results.json')}.duckdb"  # as compiled
        lb_db.parent.mkdir()
        lower_runs.append(measure([sys.executable, __file__, "--lower-bound", str(home), str(sql_dir), str(lb_db)],
                                  env, logs / f"lower_bound_{k + 1}.log"))
        shutil.rmtree(lb_db.parent, ignore_errors=True)
        print(f"[{size}] lower bound {lower_runs[-1]}", flush=True)
    full, lower = _median_run(full_runs), _median_run(lower_runs)
    nodes = len(json.loads((sql_dir / "run_results.json").read_text(encoding="utf-8"))["results"])
    line = {
        "size": size, "label": label, "seed": seed,
        "full_s": full["wall_s"], "full_cpu_s": full["cpu_s"],
        "lower_bound_s": lower["wall_s"], "lower_bound_cpu_s": lower["cpu_s"],
        "ratio_to_lower_bound": round(full["wall_s"] / lower["wall_s"], 2),
        "ratio_to_lower_bound_cpu": round(full["cpu_s"] / lower["cpu_s"], 2),
        "unchanged_s": unchanged["wall_s"], "unchanged_cpu_s": unchanged["cpu_s"],
        "unchanged_share": round(unchanged["wall_s"] / full["wall_s"], 3),
        "one_file_s": one_file["wall_s"], "one_file_cpu_s": one_file["cpu_s"],
        "one_file_share": round(one_file["wall_s"] / full["wall_s"], 3),
        "full_runs_s": [r["wall_s"] for r in full_runs], "lower_bound_runs_s": [r["wall_s"] for r in lower_runs],
        "unchanged_runs_s": [r["wall_s"] for r in unchanged_runs],
        "one_file_runs_s": [r["wall_s"] for r in one_file_runs],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in [*full_runs, *unchanged_runs, *one_file_runs]),
        "lower_bound_peak_rss_mb": lower["peak_rss_mb"],
        "cpu_s": full["cpu_s"], "dbt_nodes": nodes,
        "commit": git_commit(), "date": datetime.now().isoformat(timespec="seconds"),
        "machine": os.uname().machine, "cpus": os.cpu_count(),
        "load_at_start": round(os.getloadavg()[0], 2),
    }
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return line


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time."""
    return sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--lower-bound"]:
        lower_bound(Path(args[1]), Path(args[2]), Path(args[3]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", action="append", choices=["XS", "S", "M", "L"], help="default S; repeatable")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--label", default="", help="e.g. before / after")
    p.add_argument("--keep", action="store_true", help="keep the bench's ZHENGAI_HOME")
    p.add_argument("--no-save", action="store_true", help="print only, do not append to the results")
    p.add_argument("--full-only", action="store_true", help="only the full run (for L: completes? peak RSS)")
    a = p.parse_args(args)
    for size in a.size or ["S"]:
        line = bench_size(size, a.seed, a.label, a.keep, a.full_only)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if not a.no_save:
            with RESULTS.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
