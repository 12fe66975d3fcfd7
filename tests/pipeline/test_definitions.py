"""The code location loads, shows one asset per source table with a blocking gate, and the sensor reacts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.ingest.contract import load_contract
from pipelines.schedules import drop_folder_sensor


def test_one_asset_per_source_table_grouped_by_system_with_a_blocking_gate():
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    contract = load_contract()
    assert {f"raw/{t.system}__{t.table}" for t in contract.values()} <= keys
    assert "serving/warehouse" in keys
    graph = defs.resolve_asset_graph()
    for t in contract.values():
        key = dg.AssetKey(["raw", f"{t.system}__{t.table}"])
        assert graph.get(key).group_name == f"ingest_{t.system}"
        check = dg.AssetCheckKey(key, "gate")
        assert check in graph.asset_check_keys
    assert {s.name for s in defs.schedules} == {"daily_refresh_schedule", "semester_job_schedule", "annual_job_schedule"}


def test_drop_folder_sensor_runs_once_per_change(tmp_path, monkeypatch):
    folder = tmp_path / "sources" / "xuegong"
    folder.mkdir(parents=True)
    monkeypatch.setenv("ZHENGAI_HOME", str(tmp_path))
    export = folder / "学生学籍.csv"
    export.write_text("学号\n1\n", encoding="gbk")
    first = drop_folder_sensor(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest)
    cursor = json.dumps({str(export): [export.stat().st_size, export.stat().st_mtime_ns]})
    again = drop_folder_sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(again, dg.SkipReason)
    export.write_text("学号\n1\n2\n", encoding="gbk")
    os.utime(export, ns=(export.stat().st_atime_ns, export.stat().st_mtime_ns + 10**9))
    changed = drop_folder_sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(changed, dg.RunRequest) and str(Path(export)) in changed.tags["changed"]


def test_dbt_test_tally_names_the_failing_tests_once():
    """dbt tests are counted in the dbt step (not Dagster asset checks): a failing one is named in the summary,
    and a test dagster-dbt reports once per tested node is counted once."""
    from pipelines.assets.dbt import TestTally

    tally = TestTally()
    for uid, status in [("test.zhengai.not_null_stg_a_id.1", "pass"), ("test.zhengai.rel_b_to_c.2", "fail"),
                        ("test.zhengai.rel_b_to_c.2", "fail"), ("test.zhengai.warn_x.3", "warn"),
                        ("test.zhengai.unique_d.4", "error")]:
        tally.add(uid, status)
    assert tally.failed() == ["rel_b_to_c", "unique_d"]
    assert tally.summary_zh() == ("dbt 测试：运行 4 个，通过 1 个，警告 1 个，未通过 2 个：rel_b_to_c、unique_d（详见 dbt 日志）")


def test_progress_line_tells_warned_tests_from_failed_ones():
    """A dbt test of severity warn (e.g. a 对账 reminder) is a 警告 on `zhengai run`'s dbt line, not 未通过."""
    import io

    from pipelines.assets.dbt import TEST_LISTENERS, TestTally
    from pipelines.run import _DbtBar

    bar = _DbtBar(io.StringIO())
    TEST_LISTENERS[:] = [bar.test]
    try:
        tally = TestTally()
        for i, status in enumerate(["pass", "pass", "warn"]):
            tally.add(f"test.zhengai.t{i}.{i}", status)
        assert bar.stop() == "  dbt：本次构建 0 个模型/种子表、运行 3 个测试（1 个警告）"
        tally.add("test.zhengai.broken.9", "fail")
        assert bar.stop().endswith("运行 4 个测试（1 个未通过，1 个警告）")
    finally:
        TEST_LISTENERS.clear()


def test_a_failed_dbt_build_names_the_models_and_the_memory_setting(tmp_path):
    """When dbt cannot build a model, the step's first line names it with dbt's reason; an out-of-memory error also
    names the settings that help (what a college with a large 成绩 table meets first)."""
    import json

    from pipelines.assets.dbt import failed_nodes_zh


    oom = ("Runtime Error in model stg_jiaowu__score (models/staging/stg_jiaowu__score.sql)\n"
           "  Out of Memory Error: could not allocate block (1.8 GiB/1.8 GiB used)")
    (tmp_path / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": "model.zhengai.stg_jiaowu__score", "status": "error", "message": oom},
        {"unique_id": "model.zhengai.dim_student", "status": "success", "message": "OK"},
        {"unique_id": "test.zhengai.not_null_x.1", "status": "error", "message": "boom"},
        {"unique_id": "model.zhengai.fct_score", "status": "skipped", "message": None},
    ]}), encoding="utf-8")
    text = failed_nodes_zh(tmp_path / "run_results.json")
    assert text.startswith("dbt 有 1 个模型/种子表未能构建：stg_jiaowu__score（Out of Memory Error: could not allocate "
                           "block (1.8 GiB/1.8 GiB used)）。DuckDB 内存不足：可调大 ZHENGAI_DUCKDB_MEMORY")
    assert "ZHENGAI_DBT_THREADS" not in text  # one thread already: nothing to lower
    assert failed_nodes_zh(tmp_path / "run_results.json", threads=2).endswith("，或设 ZHENGAI_DBT_THREADS=1（本次 2）")
    assert failed_nodes_zh(tmp_path / "missing.json") == ""


def test_processes_loading_the_definitions_at_once_each_read_a_whole_manifest():
    """CI once failed with two test workers: one read the dbt manifest while the other was still writing it."""
    import subprocess
    import sys

    from pipelines.assets.dbt import PROJECT

    manifest = PROJECT.manifest_path
    os.utime(manifest, (0, 0))  # older than every project file: each process below finds it stale
    code = ("import json; from pipelines.assets.dbt import ensure_manifest; "
            "print(len(json.loads(ensure_manifest().read_text(encoding='utf-8'))['nodes']))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-2000:] for _, err in outs]
    counts = {int(out.strip()) for out, _ in outs}
    assert len(counts) == 1 and counts.pop() > 300  # the same whole manifest for each: ~400 models and tests
    assert manifest.stat().st_mtime > 0


def test_dbt_threads_follow_the_size_of_the_largest_raw_table(monkeypatch):
    """Two threads share DuckDB's one memory limit: two while the largest raw table is small next to it (S: 0.65 M
    成绩 rows in 2 GB), one beyond (L: 6.5 M rows ran out of 2 GB with two); ZHENGAI_DBT_THREADS decides when set."""
    from pipelines.config import dbt_threads

    monkeypatch.delenv("ZHENGAI_DBT_THREADS", raising=False)
    gib = 2**30
    assert dbt_threads(654_000, 1.8 * gib) == 2  # DuckDB's 2GB is 1.8 GiB
    assert dbt_threads(6_540_000, 1.8 * gib) == 1
    assert dbt_threads(1_960_000, 1.8 * gib) == 1  # M: as measured before, one thread
    assert dbt_threads(1_960_000, 8 * gib) == 2  # a college that gives DuckDB more memory
    monkeypatch.setenv("ZHENGAI_DBT_THREADS", "4")
    assert dbt_threads(6_540_000, 1.8 * gib) == 4
