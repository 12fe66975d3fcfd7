"""Stale data is visible: a blocked source is named with the time it was first blocked, never shown as current."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from pipelines.freshness import source_freshness, stale_summary, write_freshness_table
from pipelines.gate import results_store
from pipelines.ingest.raw_store import load_batch

T0 = datetime(2026, 9, 1, 0, 0)


def _check(con, system, table, at, blocked, report=""):
    con.execute("INSERT INTO audit.validation_runs VALUES ('r', ?, ?, ?, 'f', NULL, NULL, 's', 1, ?, 1, ?, 0, 0, 0, ?)",
                [at, system, table, blocked, int(blocked), report])


def test_blocked_pending_current_and_never_loaded_sources(tmp_path):
    serving, audit = tmp_path / "serving.duckdb", tmp_path / "gate_results.duckdb"
    with duckdb.connect(str(serving)) as con:
        for table in ("student", "admission"):
            load_batch(con, pd.DataFrame({"a": ["1"]}), source_system="xuegong", source_table=table,
                       source_file=f"学工/{table}.csv", content_hash=table, loaded_at=T0)
    published = T0 + timedelta(minutes=5)
    with duckdb.connect(str(audit)) as con:
        results_store.ensure_tables(con)
        _check(con, "xuegong", "student", T0, False)
        _check(con, "xuegong", "student", T0 + timedelta(days=1), True, "学生学籍：第 3 行「学号」重复\n…")
        _check(con, "xuegong", "student", T0 + timedelta(days=2), True, "学生学籍：第 4 行「学号」重复")
        _check(con, "xuegong", "admission", T0, False)
        _check(con, "xuegong", "admission", T0 + timedelta(days=2), False)  # passed, but the run did not publish
    with duckdb.connect(str(serving)) as con:
        rows = {r["source_table"]: r for r in source_freshness(con, audit, published)
                if r["source_system"] == "xuegong"}
        write_freshness_table(con, audit, published)
        stored = con.execute("SELECT status_zh, blocked_since FROM audit.source_freshness "
                             "WHERE source_table = 'student'").fetchone()
    student = rows["student"]
    assert (student["status_zh"], student["blocked_since"], student["data_as_of"]) == ("被拦截", T0 + timedelta(days=1), T0)
    assert student["blocked_reason"] == "学生学籍：第 4 行「学号」重复"
    assert rows["admission"]["status_zh"] == "待发布"
    assert rows["employment"]["status_zh"] == "从未加载"
    assert stored == ("被拦截", T0 + timedelta(days=1))
    summary = stale_summary(list(rows.values()))
    assert summary.startswith("1 张源表自 2026-09-02 08:00 起未通过质量闸门（学工·学生学籍）") and "1 张源表已有通过" in summary


def test_a_pass_after_the_block_makes_the_source_current_again(tmp_path):
    serving, audit = tmp_path / "serving.duckdb", tmp_path / "gate_results.duckdb"
    with duckdb.connect(str(serving)) as con:
        load_batch(con, pd.DataFrame({"a": ["1"]}), source_system="xuegong", source_table="student",
                   source_file="学工/学生学籍.csv", content_hash="x", loaded_at=T0 + timedelta(days=3))
    with duckdb.connect(str(audit)) as con:
        results_store.ensure_tables(con)
        _check(con, "xuegong", "student", T0 + timedelta(days=1), True, "坏")
        _check(con, "xuegong", "student", T0 + timedelta(days=3), False)
    with duckdb.connect(str(serving)) as con:
        [row] = [r for r in source_freshness(con, audit, T0 + timedelta(days=3, minutes=5))
                 if r["source_table"] == "student"]
    assert row["status_zh"] == "当前" and row["blocked_since"] is None


def _served_home(tmp_path):
    """A home with one published version whose 学生学籍 passed (T0)."""
    from pipelines.publish import WarehouseLayout, publish, start_build

    layout, audit = WarehouseLayout(tmp_path), tmp_path / "gate_results.duckdb"
    with duckdb.connect(str(audit)) as con:
        results_store.ensure_tables(con)
        _check(con, "xuegong", "student", T0, False)
    build = start_build(layout, "good")
    with duckdb.connect(str(build)) as con:
        load_batch(con, pd.DataFrame({"a": ["1"]}), source_system="xuegong", source_table="student",
                   source_file="学工/学生学籍.csv", content_hash="x", loaded_at=T0)
        write_freshness_table(con, audit, T0 + timedelta(minutes=5))
        con.execute("CHECKPOINT")
    return layout, audit, publish(layout, build, now=datetime(2026, 9, 1, 8, 5))


def _blocked_status(layout) -> tuple:
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        return con.execute("SELECT status_zh, blocked_since FROM audit.source_freshness "
                           "WHERE source_system = 'xuegong' AND source_table = 'student'").fetchone()


def test_a_scheduled_run_that_failed_gets_the_same_status_version_from_the_failure_sensor(tmp_path, monkeypatch):
    """Runs of the daemon (schedules, the drop-folder sensor) end without the CLI: a run-failure sensor does it."""
    import dagster as dg

    from pipelines.schedules import status_after_failed_run

    monkeypatch.setenv("ZHENGAI_HOME", str(tmp_path))
    layout, audit, first = _served_home(tmp_path)
    with duckdb.connect(str(audit)) as con:
        _check(con, "xuegong", "student", T0 + timedelta(days=1), True, "学生学籍：第 3 行「学号」重复")

    @dg.op
    def gate():
        raise dg.Failure("质量闸门未通过")

    @dg.job
    def refresh():
        gate()

    with dg.DagsterInstance.ephemeral() as instance:
        result = refresh.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        context = dg.build_run_status_sensor_context(
            sensor_name="status_after_failed_run", dagster_event=failure, dagster_instance=instance,
            dagster_run=result.dagster_run).for_run_failure()
        said = status_after_failed_run(context)
    assert "已发布状态版本" in said.skip_message
    assert _blocked_status(layout) == ("被拦截", T0 + timedelta(days=1))
    assert [v.name for v in layout.versions() if v.is_serving] != [first.name]
    assert not (tmp_path / "run.lock").exists()


def test_a_run_that_publishes_nothing_republishes_the_same_data_with_the_block_marked(tmp_path):
    """Dashboards read only the served file: after a blocked run it must say which source is held back."""
    from pipelines.config import load_settings
    from pipelines.freshness import data_published_at, republish_status

    settings = load_settings({"ZHENGAI_HOME": str(tmp_path)})
    layout, audit, first = _served_home(tmp_path)
    assert republish_status(settings, "same") is None  # nothing held back: no new version

    with duckdb.connect(str(audit)) as con:  # the next run is blocked on 学生学籍
        _check(con, "xuegong", "student", T0 + timedelta(days=1), True, "学生学籍：第 3 行「学号」重复")
    second = republish_status(settings, "blocked")
    assert second is not None and second.name != first.name
    assert [v.name for v in layout.versions() if v.is_serving] == [second.name]
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        row = con.execute("SELECT status_zh, blocked_since, blocked_reason, data_as_of FROM audit.source_freshness "
                          "WHERE source_system = 'xuegong' AND source_table = 'student'").fetchone()
        gate = con.execute("SELECT count(*) FROM audit.validation_runs WHERE blocking_failed").fetchone()[0]
        batches = con.execute("SELECT count(*) FROM raw._batches").fetchone()[0]
    assert row == ("被拦截", T0 + timedelta(days=1), "学生学籍：第 3 行「学号」重复", T0)
    assert gate == 1 and batches == 1  # the gate's reasons for the DQ dashboard; the same data as before
    assert data_published_at(layout.versions()[-1]) == T0 + timedelta(minutes=5)  # the data's time is kept
    assert republish_status(settings, "blocked-again") is None  # same status: no churn of versions
